package io.ephemeral.cli;

import io.ephemeral.broker.Broker;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/*
 * Implementation notes.
 *
 * Owns the life of a started broker and, in "run" mode, of the child command, and is the one
 * listener behind Signals. Two modes:
 *
 *   serve  no command. The main thread blocks in broker.awaitStop(). A signal drains and stops
 *          the broker on the signal thread, which releases the main thread; a second signal during
 *          the drain stops at once. An idle timeout stops the broker by itself. Exit 0, or 70
 *          (internal error) when the broker stopped after a failure of its own.
 *
 *   run    a command. The main thread spawns the child and waits for it. A signal is forwarded
 *          (same signal) to the child, which decides what to do; our exit status is always
 *          the child's (128+n when it was killed by signal n, as the JDK reports on POSIX).
 *          Except a SIGINT the terminal sent: Ctrl-C goes to the terminal's whole foreground
 *          process group, and the child is in ours (the JDK never moves it), so the child has
 *          it already; forwarding it too would give the child two per Ctrl-C, and tools that
 *          read a second Ctrl-C as "quit now" would skip their cleanup. So SIGINT is forwarded
 *          only when the child's process group is not the foreground group of a controlling
 *          terminal (read from /proc; where there is no /proc, always). SIGTERM and SIGHUP are
 *          always forwarded. The cost: a SIGINT sent to this process alone with kill(1) while
 *          it runs in a terminal's foreground is not passed on (send it to the group, or send
 *          SIGTERM).
 *          The broker stops itself when the child exits; we wait for that stop to finish.
 *          A signal that arrives before the child exists aborts the run: no child is started
 *          and the status is 128+n. A command that cannot be started gives 127 (shell
 *          convention) and stops the broker.
 *
 * State shared with signal threads (child, abortedBy) is guarded by `this`. Spawning happens
 * under the lock so a signal sees either "no child yet" (and aborts) or the child.
 */

/** Runs a started broker until a signal, its own stop, or the end of the child command. */
final class Supervisor {

  /** How long in-flight requests may finish before the broker stops. */
  static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(5);

  /** Exit status when the broker stopped by itself because its event loop failed: a defect. */
  static final int BROKER_FAILED = ExitStatus.INTERNAL.code;

  /** Exit status when the command cannot be started, as in POSIX shells. */
  static final int CANNOT_RUN = 127;

  private final Broker broker;
  private final boolean runMode;
  private final PrintWriter err;

  private Process child; // guarded by this
  private String abortedBy; // guarded by this; a signal received before the child started
  private boolean draining; // guarded by this; serve mode: a shutdown is under way
  private final Object forwarding = new Object();

  Supervisor(Broker broker, boolean runMode, PrintWriter err) {
    this.broker = broker;
    this.runMode = runMode;
    this.err = err;
  }

  /** Serve mode: prints where the broker listens and blocks until it stopped. */
  int serve(Path socket, PrintWriter out) throws InterruptedException {
    out.println("Broker running on: " + socket);
    out.println("Press Ctrl+C to stop");
    out.flush();
    broker.awaitStop();
    broker.stop();
    return failureStatus(0);
  }

  /**
   * {@code status}, unless the broker stopped by itself because its event loop failed: then that is
   * said on stderr and the status is {@link #BROKER_FAILED} (a child that exited 0 does not hide
   * it).
   */
  private int failureStatus(int status) {
    java.util.Optional<Throwable> failure = broker.failure();
    if (failure.isEmpty()) {
      return status;
    }
    err.println("ephemeral-broker: the broker stopped after a failure: " + failure.get());
    err.flush();
    return status == 0 ? BROKER_FAILED : status;
  }

  /** Run mode: spawns {@code command}, waits for it and returns its exit status. */
  int run(List<String> command) throws InterruptedException {
    Process process;
    synchronized (this) {
      if (abortedBy != null) {
        shutdown();
        return 128 + Signals.number(abortedBy);
      }
      try {
        process = broker.spawn(command);
      } catch (IOException e) {
        err.println("ephemeral-broker: cannot run '" + command.get(0) + "': " + reason(e));
        err.flush();
        shutdown();
        return CANNOT_RUN;
      }
      child = process;
    }
    int status = process.waitFor();
    // The broker stops by itself when its child exits (Broker.spawn); wait until that stop has
    // removed the socket before the JVM exits. Draining here would race that stop.
    broker.stop();
    broker.awaitStop();
    return failureStatus(status);
  }

  /** The one signal listener; called on a JVM signal thread with "INT", "TERM" or "HUP". */
  void onSignal(String name) {
    if (runMode) {
      Process target;
      synchronized (this) {
        target = child;
        if (target == null) {
          abortedBy = name;
          return;
        }
      }
      if (!(name.equals("INT") && TerminalSignals.reachedTheGroupOf(target.pid()))) {
        synchronized (forwarding) { // one at a time, so they reach the child in order
          forward(target, name);
        }
      }
      return;
    }
    boolean first;
    synchronized (this) {
      first = !draining;
      draining = true;
    }
    if (first) {
      broker.drain(DRAIN_TIMEOUT);
    }
    broker.stop();
  }

  private void shutdown() {
    broker.drain(DRAIN_TIMEOUT);
    broker.stop();
  }

  /** Sends SIG{@code name} to the child; SIGTERM falls back to {@link Process#destroy()}. */
  private void forward(Process target, String name) {
    if (!target.isAlive()) {
      return;
    }
    try {
      Process kill =
          new ProcessBuilder("kill", "-s", name, Long.toString(target.pid()))
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (kill.waitFor() == 0) {
        return;
      }
    } catch (IOException e) {
      // No kill(1) on the PATH: fall through.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (name.equals("TERM")) {
      target.destroy(); // SIGTERM on POSIX
    } else {
      err.println("ephemeral-broker: could not forward SIG" + name + " to pid " + target.pid());
      err.flush();
    }
  }

  /**
   * The OS reason of a failed start: ProcessBuilder says {@code Cannot run program "x": error=2, No
   * such file or directory}; the user needs only the last part.
   */
  static String reason(IOException e) {
    Throwable cause = e.getCause() instanceof IOException ? e.getCause() : e;
    String message = String.valueOf(cause.getMessage());
    int colon = message.startsWith("Cannot run program") ? message.indexOf("\": ") : -1;
    if (colon >= 0) {
      message = message.substring(colon + 3);
    }
    return message.replaceFirst("^error=\\d+, ", "");
  }
}
