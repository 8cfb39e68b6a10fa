package io.ephemeral.client;

import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The broker of a {@link BrokerScope}, attached: while this handle is open the broker stays up (it
 * holds one idle connection). Closing it lets the broker end a few seconds after its last client
 * went away, if this process started it; a broker someone started by hand keeps running.
 */
public final class ScopedBroker implements AutoCloseable {
  /** How long a starting broker may take to answer (JVM start-up on a busy machine). */
  private static final long START_TIMEOUT_MILLIS = 30_000;

  private static final String MAIN_CLASS = "io.ephemeral.broker.ScopeBroker";

  private final BrokerScope scope;
  private final OwnConnection presence;
  private final long pid;
  private final boolean started;

  private ScopedBroker(BrokerScope scope, OwnConnection presence, long pid, boolean started) {
    this.scope = scope;
    this.presence = presence;
    this.pid = pid;
    this.started = started;
  }

  /** The scope. */
  public BrokerScope scope() {
    return scope;
  }

  /** The broker's socket, for {@link BrokerClient.Builder#pipe(Path)}. */
  public Path pipe() {
    return scope.socket();
  }

  /** The broker's process id, or -1 when it did not record one. */
  public long pid() {
    return pid;
  }

  /** Whether this process started the broker (else it found it running). */
  public boolean started() {
    return started;
  }

  /** Stops keeping the broker up. Idempotent. */
  @Override
  public void close() {
    presence.close();
  }

  /** E.g. {@code broker pid 4242 (started) at /tmp/…/1a2b….sock for scope "maven pid 4200 …"}. */
  @Override
  public String toString() {
    return "broker pid "
        + pid
        + (started ? " (started)" : " (found)")
        + " at "
        + pipe()
        + " for "
        + scope;
  }

  /** Connects to the running broker of the scope (caller holds the rendezvous lock). */
  static ScopedBroker connect(BrokerScope scope, long pid, boolean started) {
    Failures failures = new Failures(scope.socket(), "scope " + Text.quote(scope.name()));
    OwnConnection c = OwnConnection.open(scope.socket(), failures);
    try {
      // Answered means accepted: the broker now counts this connection, so it will not end.
      c.request(
          new Call(
              "ping",
              "",
              "{\"action\":\"ping\"}".getBytes(StandardCharsets.UTF_8),
              TimeUnit.SECONDS.toNanos(10)));
    } catch (RuntimeException e) {
      c.close();
      throw e;
    }
    return new ScopedBroker(scope, c, pid, started);
  }

  /** Starts the scope's broker as a process of its own and attaches (caller holds the lock). */
  static ScopedBroker start(BrokerScope scope) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // A small, quickly started JVM: it serves coordination calls, not bulk data.
    command.add("-XX:+UseSerialGC");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-cp");
    command.add(brokerClassPath(scope));
    command.add(MAIN_CLASS);
    command.addAll(
        List.of(
            "--socket", scope.socket().toString(),
            "--lock", scope.lockFile().toString(),
            "--pid-file", scope.pidFile().toString(),
            "--log-file", scope.logFile().toString(),
            "--scope", scope.name()));
    if (scope.lingerMillis() >= 0) {
      command.addAll(List.of("--linger-ms", Long.toString(scope.lingerMillis())));
    }
    Process process;
    try {
      Files.deleteIfExists(scope.logFile());
      process =
          new ProcessBuilder(command)
              .redirectInput(Redirect.from(new File("/dev/null")))
              .redirectErrorStream(true)
              .redirectOutput(Redirect.appendTo(scope.logFile().toFile()))
              .start();
      scope.writePidFile(process.pid()); // before it listens: whoever finds it can say who it is
    } catch (IOException e) {
      throw startFailed(scope, "cannot run " + command.get(0) + ": " + e.getMessage(), e);
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MILLIS);
    BrokerConnectionException last = null;
    while (System.nanoTime() - deadline < 0) {
      if (!process.isAlive()) {
        throw startFailed(
            scope, "it exited with status " + process.exitValue() + ": " + output(scope), last);
      }
      try {
        return connect(scope, process.pid(), true);
      } catch (BrokerConnectionException e) {
        if (!e.retryable()) {
          process.destroy();
          throw e;
        }
        last = e; // not listening yet
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroy();
        throw startFailed(scope, "interrupted while waiting for it", e);
      }
    }
    process.destroy();
    throw startFailed(
        scope, "it did not answer within " + START_TIMEOUT_MILLIS + " ms: " + output(scope), last);
  }

  /** Where the broker's classes are, asked of the broker module itself. */
  private static String brokerClassPath(BrokerScope scope) {
    Class<?> main;
    try {
      main = Class.forName(MAIN_CLASS, false, ScopedBroker.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw startFailed(
          scope,
          "io.ephemeral:ephemeral-broker is not on the class path. Add it (ephemeral-junit brings "
              + "it), or start the broker yourself: ephemeral-broker start --scope "
              + Text.quote(scope.name())
              + " --detach",
          e);
    }
    try {
      @SuppressWarnings("unchecked")
      List<Path> paths = (List<Path>) main.getMethod("classPath").invoke(null);
      StringBuilder sb = new StringBuilder();
      for (Path p : paths) {
        if (sb.length() > 0) {
          sb.append(File.pathSeparatorChar);
        }
        sb.append(p);
      }
      return sb.toString();
    } catch (ReflectiveOperationException e) {
      throw startFailed(scope, "cannot find the broker's class path: " + e, e);
    }
  }

  private static String output(BrokerScope scope) {
    try {
      String out = Files.readString(scope.logFile(), StandardCharsets.UTF_8).strip();
      if (out.length() > 2000) {
        out = "..." + out.substring(out.length() - 2000);
      }
      return out.isEmpty() ? "(no output)" : out;
    } catch (IOException e) {
      return "(no output: " + e.getMessage() + ")";
    }
  }

  private static BrokerConnectionException startFailed(
      BrokerScope scope, String why, Throwable cause) {
    return new BrokerConnectionException(
        "ESCOPE", "Could not start a broker for " + scope + ": " + why + " (ESCOPE)", false, cause);
  }
}
