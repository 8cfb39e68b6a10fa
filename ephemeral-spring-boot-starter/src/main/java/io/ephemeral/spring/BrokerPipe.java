package io.ephemeral.spring;

import io.ephemeral.client.BrokerScope;
import io.ephemeral.client.ScopedBroker;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the application's broker is: the embedded broker's socket, {@code ephemeral.pipe}, {@code
 * EPHEMERAL_PIPE}, or the broker of the scope {@code ephemeral.scope} (found, or started as a
 * process of its own), in this order. A scope's broker is kept up until this is closed (with the
 * context); it ends a few seconds after its last client left.
 */
public final class BrokerPipe implements AutoCloseable {
  private final Path path;
  private final String source;

  /** The scope's broker this application keeps up, or null. */
  private final ScopedBroker scoped;

  private BrokerPipe(Path path, String source) {
    this(path, source, null);
  }

  private BrokerPipe(Path path, String source, ScopedBroker scoped) {
    this.path = path;
    this.source = source;
    this.scoped = scoped;
  }

  /**
   * @throws IllegalStateException naming what to set when no broker is configured, or when {@code
   *     ephemeral.embedded} is set without the broker on the class path
   * @throws io.ephemeral.client.BrokerConnectionException when the broker of {@code
   *     ephemeral.scope} runs nowhere and cannot be started (e.g. without {@code ephemeral-broker}
   *     on the class path), saying why
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
    if (properties.getScope() != null && !properties.getScope().isBlank()) {
      ScopedBroker scoped = BrokerScope.named(properties.getScope()).findOrStart();
      return new BrokerPipe(scoped.pipe(), "ephemeral.scope: the " + scoped, scoped);
    }
    throw new IllegalStateException(
        "No broker for this application: set ephemeral.pipe or EPHEMERAL_PIPE to a broker's socket,"
            + " ephemeral.scope to share the broker of a scope, or ephemeral.embedded=true (with"
            + " io.ephemeral:ephemeral-broker on the class path)");
  }

  /** The socket path. */
  public Path path() {
    return path;
  }

  /** Where the path came from, for messages. */
  public String source() {
    return source;
  }

  /** The scope's broker this application keeps up, or null when it uses no scope. */
  ScopedBroker scoped() {
    return scoped;
  }

  /** Stops keeping the scope's broker up, if it uses one. */
  @Override
  public void close() {
    if (scoped != null) {
      scoped.close();
    }
  }

  @Override
  public String toString() {
    return path + " (" + source + ")";
  }
}
