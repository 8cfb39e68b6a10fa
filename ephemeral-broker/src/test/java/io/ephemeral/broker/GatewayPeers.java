package io.ephemeral.broker;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A broker for a gateway test and the raw peers connected to it, closed together after each test:
 * {@code @RegisterExtension final GatewayPeers gateway = new GatewayPeers();}, then {@link #start}
 * in the test or its {@code @BeforeEach}.
 */
public final class GatewayPeers implements AfterEachCallback, AutoCloseable {
  private final List<FrameClient> peers = new ArrayList<>();
  private BrokerFixture f;

  /** Starts the broker with {@code options}; returns its fixture. */
  public BrokerFixture start(UnaryOperator<Broker.Builder> options) throws IOException {
    f = new BrokerFixture(options);
    return f;
  }

  /** A new connection that has sent nothing yet. */
  public FrameClient peer() {
    FrameClient c = new FrameClient(f.socket);
    peers.add(c);
    return c;
  }

  /** A new connection that sent {@code registerFrame} and was acknowledged. */
  public FrameClient registered(String registerFrame) {
    FrameClient c = peer();
    c.sendJson(registerFrame);
    String type = c.read().get("type").asText();
    if (!type.equals("REGISTER_ACK")) {
      throw new AssertionError("expected REGISTER_ACK, got " + type);
    }
    return c;
  }

  /** A registered service (a plain, unsigned REGISTER). */
  public FrameClient service(String name, String... methods) {
    return registered(FrameClient.register(name, methods));
  }

  @Override
  public void afterEach(ExtensionContext context) {
    close();
  }

  /** Closes the peers, then the broker (if it was started). */
  @Override
  public void close() {
    peers.forEach(FrameClient::close);
    peers.clear();
    if (f != null) {
      f.close();
      f = null;
    }
  }
}
