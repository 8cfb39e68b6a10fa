package io.ephemeral.spring;

import io.ephemeral.broker.Broker;
import io.ephemeral.broker.Gateway;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** A broker started inside the application ({@code ephemeral.embedded=true}). */
public final class EmbeddedBroker implements AutoCloseable {
  private final Broker broker;
  private final Path socket;

  private EmbeddedBroker(Broker broker, Path socket) {
    this.broker = broker;
    this.socket = socket;
  }

  /** Starts a broker on {@code socket}, or on a private temporary path if null. */
  static EmbeddedBroker start(Path socket) throws IOException {
    Broker.Builder b = Broker.builder().environment(Map.of()).shutdownHook(false);
    if (socket != null) {
      b.socketPath(socket);
    }
    Broker broker = b.build();
    return new EmbeddedBroker(broker, broker.start());
  }

  /** The socket clients connect to. */
  public Path socketPath() {
    return socket;
  }

  /** The broker itself. */
  public Broker broker() {
    return broker;
  }

  /** Services registered and calls in flight at the gateway. */
  Gateway.GatewayStatus gatewayStatus() {
    return broker.gateway().getStatus();
  }

  @Override
  public void close() {
    broker.stop();
  }
}
