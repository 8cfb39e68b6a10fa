package io.ephemeral.broker.internal;

import java.io.IOException;
import java.util.function.LongSupplier;

/**
 * The event loop's polling window: after a turn that did work, poll without blocking for a while
 * before sleeping in select, so that a client's next request finds the loop awake instead of paying
 * a wake-up (tens of µs on a VM whose idle vCPUs halt).
 *
 * <p>Implementation notes.
 *
 * <ul>
 *   <li>The window adapts, as the kernel's halt-polling does: it starts at the configured length,
 *       halves each time it passes with nothing to do (a conversation whose other side takes longer
 *       than the window only pays CPU for it) down to nothing, and doubles again, from {@link
 *       #GROW_FROM_NANOS}, each time work arrives within it, or arrives within the configured
 *       length after the loop went to sleep (a window would have caught it).
 *   <li>Between polls the loop yields, so that whatever else is runnable on its CPU (a client, on a
 *       busy machine) goes first. A yield that takes long means exactly that: another thread wanted
 *       the CPU and ran. On such a host polling only takes time slices from the processes the
 *       broker serves, and a thread that polls loses the scheduler's preference for a thread that
 *       wakes from sleep, so requests wait longer, not less. A yield longer than {@link
 *       #CONTENDED_YIELD_NANOS} ends the window, and the loop does not poll for {@link
 *       #BACKOFF_NANOS}. On a host with a CPU to spare a yield is a system call of about a µs.
 * </ul>
 */
final class BusyPoll {
  /** A yield that took longer ran another thread first: the host is busy. */
  static final long CONTENDED_YIELD_NANOS = 20_000;

  /** Contended yields in a row (no quick one between) that start the backoff. */
  static final int CONTENDED_IN_A_ROW = 2;

  /** How long the loop then sleeps between turns before it tries polling again. */
  static final long BACKOFF_NANOS = 10_000_000;

  /** The window a shrunk-away window grows back from. */
  static final long GROW_FROM_NANOS = 2_000;

  /** One non-blocking poll: how many channels were ready, or a positive number for other work. */
  @FunctionalInterface
  interface Poll {
    int once() throws IOException;
  }

  private final long maxNanos;
  private final LongSupplier nanoTime;
  private final Runnable yield;

  /** The current window, 0 to {@link #maxNanos}. */
  private long windowNanos;

  /** No polling before this {@link #nanoTime} (after a contended yield). */
  private long pollAgainAt;

  private boolean backingOff;
  private int contendedInARow;
  private long contendedWindows;

  BusyPoll(long maxNanos, LongSupplier nanoTime, Runnable yield) {
    this.maxNanos = Math.max(0, maxNanos);
    this.windowNanos = this.maxNanos;
    this.nanoTime = nanoTime;
    this.yield = yield;
  }

  /** The loop's window: the JVM's clock and {@link Thread#yield()}. */
  static BusyPoll of(long maxNanos) {
    return new BusyPoll(maxNanos, System::nanoTime, Thread::yield);
  }

  /**
   * Polls until something is ready (returns what {@code poll} returned), the window has passed, or
   * a yield showed the host busy (both return 0: the loop then sleeps in select).
   */
  int run(Poll poll) throws IOException {
    if (windowNanos == 0) {
      return 0;
    }
    long start = nanoTime.getAsLong();
    if (backingOff) {
      if (start - pollAgainAt < 0) {
        return 0;
      }
      backingOff = false;
    }
    long until = start + windowNanos;
    while (true) {
      int ready = poll.once();
      if (ready > 0) {
        grow();
        return ready;
      }
      long before = nanoTime.getAsLong();
      yield.run();
      long after = nanoTime.getAsLong();
      if (after - before > CONTENDED_YIELD_NANOS) {
        // One such yield may be anything (another process's short burst); several in a row with
        // none that came back at once mean the CPUs are taken.
        contendedWindows++;
        if (++contendedInARow >= CONTENDED_IN_A_ROW) {
          backingOff = true;
          pollAgainAt = after + BACKOFF_NANOS;
        }
        return 0;
      }
      contendedInARow = 0;
      if (after - until >= 0) {
        windowNanos = windowNanos / 2 < GROW_FROM_NANOS ? 0 : windowNanos / 2;
        return 0;
      }
    }
  }

  /**
   * The loop slept in select for {@code nanos} before work arrived: had it been polling that long,
   * the window would have caught it.
   */
  void sleptFor(long nanos) {
    if (nanos < maxNanos) {
      grow();
    }
  }

  private void grow() {
    windowNanos = Math.min(maxNanos, Math.max(GROW_FROM_NANOS, windowNanos * 2));
  }

  /** The current window, for tests. */
  long windowNanos() {
    return windowNanos;
  }

  /** Windows ended early by a busy host, for tests and diagnostics. */
  long contendedWindows() {
    return contendedWindows;
  }
}
