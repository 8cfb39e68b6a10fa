package io.ephemeral.junit;

import io.ephemeral.client.BrokerClient;
import io.ephemeral.client.BrokerScope;
import io.ephemeral.client.ScopedBroker;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/*
 * Implementation notes.
 *
 * One BrokerSession per launcher session: EphemeralBrokerSessionListener pushes a fresh one when
 * a session opens and closes (and pops) it when the session closes. Sessions nest (a test that
 * runs a launcher of its own), hence the stack; the extension always uses the innermost one.
 * When no listener ran (the service file was not on the class path, or an engine was run
 * without a launcher session), current() falls back to one JVM-wide session that a shutdown
 * hook closes.
 *
 * A session resolves its broker lazily, once: the system property ephemeral.pipe, then the
 * variable EPHEMERAL_PIPE; with neither it attaches to the broker of its scope (BrokerScope:
 * ephemeral.scope, EPHEMERAL_SCOPE, else this build), which the first JVM of the build starts as
 * a process of its own, so every fork of the build shares it, and which ends a few seconds after
 * the last session detached. Each broker is announced once per JVM on standard error. close()
 * detaches and closes the client it handed out. All state is guarded by `this`.
 */
final class BrokerSession implements AutoCloseable {
  static final String PIPE_PROPERTY = "ephemeral.pipe";
  static final String PIPE_VARIABLE = "EPHEMERAL_PIPE";

  private static final Deque<BrokerSession> OPEN = new ArrayDeque<>();
  private static final Set<Path> ANNOUNCED = ConcurrentHashMap.newKeySet();
  private static BrokerSession jvmWide;

  private final UnaryOperator<String> environment;
  private final UnaryOperator<String> properties;
  private Path pipe;
  private ScopedBroker scoped;
  private BrokerClient client;
  private boolean closed;

  BrokerSession(UnaryOperator<String> environment, UnaryOperator<String> properties) {
    this.environment = environment;
    this.properties = properties;
  }

  static BrokerSession fromProcess() {
    return new BrokerSession(System::getenv, System::getProperty);
  }

  /** The innermost open launcher session's broker, or the JVM-wide fallback. */
  static BrokerSession current() {
    synchronized (OPEN) {
      BrokerSession top = OPEN.peek();
      if (top != null) {
        return top;
      }
      if (jvmWide == null) {
        BrokerSession s = fromProcess();
        Thread hook = new Thread(s::close, "ephemeral-junit-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        jvmWide = s;
      }
      return jvmWide;
    }
  }

  static BrokerSession push() {
    BrokerSession s = fromProcess();
    synchronized (OPEN) {
      OPEN.push(s);
    }
    return s;
  }

  static void pop(BrokerSession s) {
    synchronized (OPEN) {
      OPEN.remove(s);
    }
    s.close();
  }

  /** The broker's socket: the configured one, or that of the scope's broker. */
  synchronized Path pipe() {
    if (closed) {
      throw new IllegalStateException("The broker session is closed");
    }
    if (pipe == null) {
      String configured = properties.apply(PIPE_PROPERTY);
      String source = PIPE_PROPERTY;
      if (configured == null || configured.isBlank()) {
        configured = environment.apply(PIPE_VARIABLE);
        source = PIPE_VARIABLE;
      }
      if (configured != null && !configured.isBlank()) {
        pipe = Paths.get(configured);
        announce(pipe, "broker at " + pipe + " (" + source + ")");
      } else {
        scoped = BrokerScope.ofThisBuild(environment, properties).findOrStart();
        pipe = scoped.pipe();
        announce(pipe, scoped.toString());
      }
    }
    return pipe;
  }

  /** The attached broker of the session's scope, or null when a pipe was configured (tests). */
  synchronized ScopedBroker scoped() {
    return scoped;
  }

  private static void announce(Path pipe, String line) {
    if (ANNOUNCED.add(pipe)) {
      System.err.println("[ephemeral-junit] " + line);
    }
  }

  /** The session's own client (leases, locks); shared, never closed by callers. */
  synchronized BrokerClient client() {
    if (client == null) {
      client = newClient();
    }
    return client;
  }

  /** A new client of the session's broker; the caller closes it. */
  synchronized BrokerClient newClient() {
    return BrokerClient.builder().pipe(pipe()).build();
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (client != null) {
      client.close();
    }
    if (scoped != null) {
      scoped.close();
    }
  }
}
