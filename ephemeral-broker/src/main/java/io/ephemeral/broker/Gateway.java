package io.ephemeral.broker;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The service gateway, compatible with Node {@code ipc-bro} services in JSON and MessagePack mode:
 * processes register named services and call each other's methods through the hub.
 *
 * <p>Every {@link Broker} serves the gateway on its socket (a connection whose first byte is 0x00
 * speaks frames); {@link Broker#gateway()} returns this view of it. {@link #builder()} makes a
 * broker configured the way the original gateway was:
 *
 * <pre>{@code
 * try (Gateway gateway = Gateway.builder().socketPath(Path.of("/tmp/bro-gateway.sock")).build()) {
 *   gateway.start();
 *   ...
 * }
 * }</pre>
 */
public final class Gateway implements AutoCloseable {
  private final Broker broker;

  Gateway(Broker broker) {
    this.broker = broker;
  }

  /** A gateway with its own broker; options as in the original's IPCServerConfig. */
  public static Builder builder() {
    return new Builder();
  }

  /** Binds the socket and starts serving; returns the socket path. */
  public Path start() throws IOException {
    return broker.start();
  }

  /**
   * Closes every connection (registered or not) and removes the socket. Never hangs; idempotent.
   */
  public void stop() {
    broker.stop();
  }

  @Override
  public void close() {
    stop();
  }

  /** The broker behind this gateway (its KV store is served on the same socket). */
  public Broker broker() {
    return broker;
  }

  /** Names of the registered services. */
  public List<String> getConnectedServices() {
    return broker.engine().serviceNames();
  }

  /** A registered service, if any. */
  public Optional<ServiceInfo> getService(String serviceName) {
    return Optional.ofNullable(broker.engine().service(serviceName));
  }

  /** Whether a service of that name is registered. */
  public boolean isServiceConnected(String serviceName) {
    return getService(serviceName).isPresent();
  }

  /** Running state, socket path and registered services. */
  public GatewayStatus getStatus() {
    Path socket = broker.socketPath();
    List<String> services = getConnectedServices();
    int pending = broker.engine().pendingCalls();
    return new GatewayStatus(socket != null, socket, services.size(), services, pending);
  }

  /** Adds a listener for gateway events (also possible before start). */
  public void addListener(GatewayListener listener) {
    broker.engine().addGatewayListener(Objects.requireNonNull(listener, "listener"));
  }

  /** Removes a listener added before; no effect if it was not added. */
  public void removeListener(GatewayListener listener) {
    broker.engine().removeGatewayListener(listener);
  }

  /**
   * The gateway's status.
   *
   * @param running whether the socket is being served
   * @param socketPath the socket, or null when stopped
   * @param connectedServices how many services are registered
   * @param services their names
   * @param pendingCalls calls delivered and awaiting their responses
   */
  public record GatewayStatus(
      boolean running,
      Path socketPath,
      int connectedServices,
      List<String> services,
      int pendingCalls) {}

  /** Options of a stand-alone gateway, named as in the original's configuration. */
  public static final class Builder {
    private final Broker.Builder broker = Broker.builder();
    private Path socketPath;

    private Builder() {}

    /**
     * Bind exactly this path (the original's default was {@code /tmp/bro-gateway.sock}; required
     * here).
     */
    public Builder socketPath(Path path) {
      this.socketPath = Objects.requireNonNull(path, "path");
      return this;
    }

    /**
     * How often services are expected to send heartbeats; a service silent for three intervals is
     * evicted.
     */
    public Builder heartbeatInterval(Duration interval) {
      broker.staleServiceTimeout(interval.multipliedBy(3));
      return this;
    }

    /** The longest a call may wait for its response. */
    public Builder timeout(Duration timeout) {
      broker.callTimeout(timeout);
      return this;
    }

    /** Debug logging, including a {@code log} event per gateway message. */
    public Builder debug(boolean debug) {
      broker.debug(debug);
      return this;
    }

    /** Largest frame body in bytes (default 16 MiB). */
    public Builder maxFrameSize(int bytes) {
      broker.maxFrameSize(bytes);
      return this;
    }

    /** Adds a listener for gateway events. */
    public Builder listener(GatewayListener listener) {
      broker.gatewayListener(listener);
      return this;
    }

    /** The environment for {@code BROKER_*} fallbacks (default: the process's). */
    public Builder environment(Map<String, String> environment) {
      broker.environment(environment);
      return this;
    }

    /** Install a JVM shutdown hook that stops the gateway (default true). */
    public Builder shutdownHook(boolean install) {
      broker.shutdownHook(install);
      return this;
    }

    /**
     * The configured gateway, not started yet.
     *
     * @throws IllegalStateException if no socket path was given
     */
    public Gateway build() {
      if (socketPath == null) {
        throw new IllegalStateException("a gateway needs a socketPath");
      }
      return broker.socketPath(socketPath).build().gateway();
    }
  }
}
