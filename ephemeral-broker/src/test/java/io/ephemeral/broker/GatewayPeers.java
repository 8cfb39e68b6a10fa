package io.ephemeral.broker;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** A broker for a gateway test and the raw peers connected to it, closed together. */
final class GatewayPeers implements AutoCloseable {
  final BrokerFixture f;
  private final List<FrameClient> peers = new ArrayList<>();

  GatewayPeers(UnaryOperator<Broker.Builder> options) throws IOException {
    f = new BrokerFixture(options);
  }

  /** A new connection that has sent nothing yet. */
  FrameClient peer() {
    FrameClient c = new FrameClient(f.socket);
    peers.add(c);
    return c;
  }

  /** A new connection that sent {@code registerFrame} and was acknowledged. */
  FrameClient registered(String registerFrame) {
    FrameClient c = peer();
    c.sendJson(registerFrame);
    String type = c.read().get("type").asText();
    if (!type.equals("REGISTER_ACK")) {
      throw new AssertionError("expected REGISTER_ACK, got " + type);
    }
    return c;
  }

  /** A registered service (a plain, unsigned REGISTER). */
  FrameClient service(String name, String... methods) {
    return registered(FrameClient.register(name, methods));
  }

  @Override
  public void close() {
    peers.forEach(FrameClient::close);
    f.close();
  }
}
