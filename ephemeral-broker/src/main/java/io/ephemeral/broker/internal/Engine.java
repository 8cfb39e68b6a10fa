package io.ephemeral.broker.internal;

import io.ephemeral.broker.ActionHandler;
import io.ephemeral.broker.Broker;
import io.ephemeral.broker.Gateway;
import io.ephemeral.broker.GatewayListener;
import io.ephemeral.broker.ServiceInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The engine's one door: what {@link Broker} and {@link Gateway} reach the engine through, the only
 * public class of this package besides {@link BuilderSettings}. One engine per broker, made by
 * {@link Broker.Builder#build()} from the builder's settings (resolved and validated once); it
 * starts and stops a {@link BrokerServer}, registers actions and gateway listeners and answers the
 * gateway's queries. Its methods are thread-safe and hand their work to the loop.
 */
public final class Engine {
  /*
   * Lifecycle: NEW -(start)-> RUNNING -(stop)-> STOPPED -(start)-> RUNNING ... Each start makes a
   * fresh BrokerServer and socket; stop tears them down completely (connections, store, socket
   * file, private directory, shutdown hook). `lock` guards the transitions; the server itself is
   * only touched through BrokerServer's thread-safe methods.
   */
  private final BrokerConfig config;
  private final BrokerLog log;
  private final Object lock = new Object();
  private BrokerServer server;
  private SocketPaths.Bound bound;
  private Thread shutdownHook;
  private CountDownLatch stopped = new CountDownLatch(0);
  private volatile Throwable failure;

  /**
   * When a drain or stop was first asked for (System.nanoTime()), or 0: for the stop's log line.
   */
  private volatile long stopAskedAt;

  private final List<GatewayListener> addedListeners = new CopyOnWriteArrayList<>();
  private final Map<String, ActionHandler> registered = new ConcurrentHashMap<>();

  private Engine(BrokerConfig config) {
    this.config = config;
    this.log = new BrokerLog(config.logLevel(), config.structuredLogging());
  }

  /**
   * An engine with the builder's settings, resolved against the environment.
   *
   * @throws IllegalArgumentException naming the option or environment variable whose value is
   *     invalid
   */
  public static Engine create(Broker.Builder builder) {
    return new Engine(BrokerConfig.resolve(builder));
  }

  /** Binds the socket and starts serving; see {@link Broker#start()}. */
  public Path start() throws IOException {
    synchronized (lock) {
      if (server != null) {
        throw new IllegalStateException(
            "Broker already started on "
                + bound.socket()
                + "; call stop() before starting it again");
      }
      if (config.store() != null) {
        // Before binding: a broker whose store is unreachable must not look started to clients.
        config.store().open();
      }
      SocketPaths.Bound b;
      BrokerServer l;
      try {
        b = SocketPaths.bind(config);
        try {
          l =
              new BrokerServer(
                  config, log, b.server(), PeerCheck.forSocket(config.peerAccess(), b.socket()));
        } catch (IOException | RuntimeException e) {
          b.close();
          throw e;
        }
      } catch (IOException | RuntimeException e) {
        if (config.store() != null) {
          config.store().close();
        }
        throw e;
      }
      bound = b;
      server = l;
      stopped = new CountDownLatch(1);
      addedListeners.forEach(l.events()::add);
      registered.forEach(l::addAction);
      failure = null;
      l.start(() -> stopFromLoop(l));
      if (config.shutdownHook()) {
        shutdownHook = new Thread(this::stopOnExit, "ephemeral-broker-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
      }
      if (config.store() == null) {
        log.info("Broker started", "pipe", b.socket());
      } else {
        log.info("Broker started", "pipe", b.socket(), "store", config.store().describe());
      }
      l.execute(() -> l.events().started(b.socket()));
      return b.socket();
    }
  }

  /** Stops the broker and cleans up; see {@link Broker#stop()}. Idempotent. */
  public void stop() {
    stopAsked();
    BrokerServer l;
    SocketPaths.Bound b;
    Thread hook;
    CountDownLatch latch;
    synchronized (lock) {
      if (server == null) {
        return;
      }
      l = server;
      b = bound;
      hook = shutdownHook;
      latch = stopped;
      server = null;
      bound = null;
      shutdownHook = null;
    }
    l.shutdown();
    b.close();
    if (config.store() != null) {
      config.store().close();
    }
    l.events().stopped();
    if (hook != null && Thread.currentThread() != hook) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException alreadyShuttingDown) {
        // The JVM is exiting and runs the hook (or already ran it); nothing to remove.
      }
    }
    // How long the stop took on the broker's own clock, from the first drain or stop asked for.
    log.info(
        "Broker stopped and cleaned up",
        "stopMs",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopAskedAt));
    stopAskedAt = 0;
    latch.countDown();
  }

  /** Stops accepting work and waits for the requests in flight; see {@link Broker#drain}. */
  public boolean drain(Duration timeout) {
    stopAsked();
    BrokerServer l;
    synchronized (lock) {
      l = server;
    }
    if (l == null) {
      return true;
    }
    return l.drain(timeout);
  }

  /** Runs a command as a child process; see {@link Broker#spawn(List)}. */
  public Process spawn(List<String> command) throws IOException {
    Path socket = socketPath();
    if (socket == null) {
      throw new IllegalStateException("start the broker before spawning a command");
    }
    ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
    Map<String, String> env = pb.environment();
    env.put("EPHEMERAL_PIPE", socket.toString());
    if (config.secret() != null) {
      env.put("EPHEMERAL_SECRET", config.secret());
    }
    Process child = pb.start();
    log.debug("Child process started", "pid", child.pid(), "command", command.get(0));
    child
        .onExit()
        .thenRun(
            () -> {
              log.info("Child process exited", "code", child.exitValue());
              stop();
            });
    return child;
  }

  private void stopAsked() {
    if (stopAskedAt == 0) {
      stopAskedAt = System.nanoTime();
    }
  }

  /** Names of the registered gateway services; empty when stopped. */
  public List<String> serviceNames() {
    return onGateway(GatewayRouter::serviceNames, List.of());
  }

  /** A registered gateway service, or null (also when stopped). */
  public ServiceInfo service(String name) {
    return onGateway(r -> r.info(name), null);
  }

  /** Gateway calls delivered and awaiting their responses; 0 when stopped. */
  public int pendingCalls() {
    return onGateway(GatewayRouter::pendingCalls, 0);
  }

  /** Client connections open now (refused ones do not count); 0 when stopped. */
  public int connections() {
    return onLoop(BrokerServer::openConnections, 0);
  }

  /** Runs a query against the gateway on the loop thread; {@code whenStopped} if not running. */
  private <T> T onGateway(Function<GatewayRouter, T> query, T whenStopped) {
    return onLoop(l -> query.apply(l.router()), whenStopped);
  }

  /** Runs a query on the loop thread; {@code whenStopped} if not running. */
  private <T> T onLoop(Function<BrokerServer, T> query, T whenStopped) {
    BrokerServer l;
    synchronized (lock) {
      l = server;
    }
    if (l == null) {
      return whenStopped;
    }
    try {
      return l.call(() -> query.apply(l), Duration.ofSeconds(5));
    } catch (IllegalStateException stopping) {
      return whenStopped;
    }
  }

  /** Adds a gateway listener, kept across restarts. */
  public void addGatewayListener(GatewayListener listener) {
    addedListeners.add(listener);
    synchronized (lock) {
      if (server != null) {
        server.events().add(listener);
      }
    }
  }

  /** Removes a gateway listener added before. */
  public void removeGatewayListener(GatewayListener listener) {
    addedListeners.remove(listener);
    synchronized (lock) {
      if (server != null) {
        server.events().remove(listener);
      }
    }
  }

  /**
   * Adds a custom action, also while running, kept across restarts.
   *
   * @return false if the builder or an earlier registration already defined the name
   */
  public boolean register(String action, ActionHandler handler) {
    if (config.actions().containsKey(action) || registered.putIfAbsent(action, handler) != null) {
      return false;
    }
    BrokerServer l;
    synchronized (lock) {
      l = server;
    }
    if (l != null) {
      l.call(
          () -> {
            l.addAction(action, handler);
            return null;
          },
          Duration.ofSeconds(5));
    }
    return true;
  }

  /** The socket path while running, else null. */
  public Path socketPath() {
    synchronized (lock) {
      return bound == null ? null : bound.socket();
    }
  }

  /** True between a successful {@link #start()} and the next stop. */
  public boolean isRunning() {
    synchronized (lock) {
      return server != null;
    }
  }

  /** Blocks until the broker has stopped. */
  public void awaitStop() throws InterruptedException {
    currentLatch().await();
  }

  /** Like {@link #awaitStop()} with a limit; returns false if the broker is still running. */
  public boolean awaitStop(Duration timeout) throws InterruptedException {
    return currentLatch().await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The installed JVM shutdown hook while running (for tests). */
  public Thread shutdownHook() {
    synchronized (lock) {
      return shutdownHook;
    }
  }

  private CountDownLatch currentLatch() {
    synchronized (lock) {
      return stopped;
    }
  }

  /**
   * Why the broker stopped by itself, when its event loop failed and could not go on; null while it
   * runs and after a stop that was asked for (stop, idle timeout, the child's exit).
   */
  public Throwable failure() {
    return failure;
  }

  /**
   * Called by the loop when it decides to stop itself (idle timeout, or a failure it cannot get
   * past); must not block the loop.
   */
  private void stopFromLoop(BrokerServer l) {
    failure = l.failure();
    Thread t = new Thread(this::stop, "ephemeral-broker-self-stop");
    t.setDaemon(true);
    t.start();
  }

  private void stopOnExit() {
    log.info("Shutting down with the JVM");
    drain(Duration.ofSeconds(2));
    stop();
  }
}
