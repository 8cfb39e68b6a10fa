package io.ephemeral.cli;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import sun.misc.Signal;

/*
 * Implementation notes.
 *
 * The original Node CLI registered SIGINT/SIGTERM handlers in three places (broker start,
 * spawn, and the CLI itself); they stacked on every start and raced to exit with different
 * codes (review issues #3, #4, #16). Here the process has exactly one handler per signal,
 * installed once; what a signal means (forward to the child, or shut the broker down) is
 * decided by the single listener, which owns the whole lifecycle.
 *
 * sun.misc.Signal (module jdk.unsupported) replaces the JVM's default action for the signal,
 * so no shutdown sequence runs behind the listener's back. The JVM calls the handler on a
 * fresh thread for every delivery; the listener must therefore be thread-safe.
 *
 * A signal that was ignored when the JVM started (for example SIGINT for a background job of
 * a non-interactive shell) stays ignored: the JVM does not install a handler for it, which is
 * the POSIX convention.
 */

/** The process-wide SIGINT/SIGTERM/SIGHUP handler of the CLI: installed once, never stacked. */
final class Signals {

  /** The signals the CLI handles, by their names without the {@code SIG} prefix. */
  static final List<String> HANDLED = List.of("INT", "TERM", "HUP");

  private static final AtomicReference<Consumer<String>> LISTENER = new AtomicReference<>();

  private Signals() {}

  /**
   * Installs the one handler for SIGINT, SIGTERM and SIGHUP, which calls {@code listener} with the
   * signal's name ({@code "INT"}, {@code "TERM"} or {@code "HUP"}) on a JVM signal thread.
   *
   * @throws IllegalStateException if the handler was already installed in this process
   */
  static void install(Consumer<String> listener) {
    if (!LISTENER.compareAndSet(null, listener)) {
      throw new IllegalStateException("signal handlers are already installed");
    }
    for (String name : HANDLED) {
      Signal.handle(new Signal(name), signal -> LISTENER.get().accept(signal.getName()));
    }
  }

  /** The number of a handled signal, for the shell convention "killed by signal n → 128+n". */
  static int number(String name) {
    return new Signal(name).getNumber();
  }
}
