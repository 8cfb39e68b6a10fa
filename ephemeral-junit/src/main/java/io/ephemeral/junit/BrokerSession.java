package io.ephemeral.junit;

import io.ephemeral.broker.Broker;
import io.ephemeral.client.BrokerClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
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
 * variable EPHEMERAL_PIPE; with neither it starts a broker in this JVM on a fresh private
 * socket. close() stops only a broker it started itself, which removes the socket and its
 * directory, and closes the clients it handed out. All state is guarded by `this`.
 */
final class BrokerSession implements AutoCloseable {
  static final String PIPE_PROPERTY = "ephemeral.pipe";
  static final String PIPE_VARIABLE = "EPHEMERAL_PIPE";

  private static final Deque<BrokerSession> OPEN = new ArrayDeque<>();
  private static BrokerSession jvmWide;

  private final UnaryOperator<String> environment;
  private final UnaryOperator<String> properties;
  private Path pipe;
  private Broker broker;
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

  /** The broker's socket: the configured one, or that of a broker started now in this JVM. */
  synchronized Path pipe() {
    if (closed) {
      throw new IllegalStateException("The broker session is closed");
    }
    if (pipe == null) {
      Path configured = configuredPipe();
      if (configured != null) {
        pipe = configured;
      } else {
        Map<String, String> env = new HashMap<>();
        String tmp = environment.apply("TMPDIR");
        if (tmp != null) {
          env.put("TMPDIR", tmp);
        }
        // Hermetic: the BROKER_* variables configure brokers the user starts, not this one.
        Broker b = Broker.builder().environment(env).build();
        try {
          pipe = b.start();
        } catch (IOException e) {
          throw new UncheckedIOException(
              "Could not start the session's broker: " + e.getMessage(), e);
        }
        broker = b;
      }
    }
    return pipe;
  }

  private Path configuredPipe() {
    String p = properties.apply(PIPE_PROPERTY);
    if (p == null || p.isBlank()) {
      p = environment.apply(PIPE_VARIABLE);
    }
    return p == null || p.isBlank() ? null : Paths.get(p);
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
    Path p = pipe();
    BrokerClient.Builder b = BrokerClient.builder().pipe(p);
    if (broker != null) {
      b.environment(Map.of()); // our own broker has no secret
    }
    return b.build();
  }

  /** The broker this session started, or null when it uses a configured one (tests). */
  synchronized Broker startedBroker() {
    return broker;
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
    if (broker != null) {
      broker.stop();
    }
  }
}
