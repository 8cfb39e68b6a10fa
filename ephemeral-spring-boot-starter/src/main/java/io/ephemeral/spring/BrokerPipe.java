package io.ephemeral.spring;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where the application's broker is: the embedded broker's socket, {@code ephemeral.pipe}, or
 * {@code EPHEMERAL_PIPE}, in this order.
 */
public final class BrokerPipe {
  private final Path path;
  private final String source;

  private BrokerPipe(Path path, String source) {
    this.path = path;
    this.source = source;
  }

  /**
   * @throws IllegalStateException naming what to set when no broker is configured, when {@code
   *     ephemeral.embedded} is set without the broker on the class path, or when only {@code
   *     ephemeral.scope} is set (this version finds no broker by scope)
   */
  static BrokerPipe resolve(
      EphemeralProperties properties, EmbeddedBroker embedded, Map<String, String> environment) {
    if (embedded != null) {
      return new BrokerPipe(embedded.socketPath(), "the embedded broker");
    }
    if (properties.isEmbedded()) {
      throw new IllegalStateException(
          "ephemeral.embedded=true starts a broker inside the application, which needs"
              + " io.ephemeral:ephemeral-broker on the class path (add it, e.g. in test scope)");
    }
    if (properties.getPipe() != null) {
      return new BrokerPipe(properties.getPipe(), "ephemeral.pipe");
    }
    String env = environment.get("EPHEMERAL_PIPE");
    if (env != null && !env.isEmpty()) {
      return new BrokerPipe(Path.of(env), "EPHEMERAL_PIPE");
    }
    if (properties.getScope() != null) {
      throw new IllegalStateException(
          "ephemeral.scope is set ("
              + properties.getScope()
              + ") but this client cannot find a broker by scope; set ephemeral.pipe or"
              + " EPHEMERAL_PIPE to the broker's socket, or ephemeral.embedded=true");
    }
    throw new IllegalStateException(
        "No broker for this application: set ephemeral.pipe or EPHEMERAL_PIPE to a broker's socket,"
            + " or ephemeral.embedded=true (with io.ephemeral:ephemeral-broker on the class path)");
  }

  /** The socket path. */
  public Path path() {
    return path;
  }

  /** Where the path came from, for messages. */
  public String source() {
    return source;
  }

  @Override
  public String toString() {
    return path + " (" + source + ")";
  }
}
