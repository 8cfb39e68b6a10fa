package io.ephemeral.broker.internal;

import java.io.IOException;
import java.util.function.LongSupplier;

/**
 * The event loop's polling window: after a turn that did work, poll without blocking for a while
 * before sleeping in select, so that a client's next request finds the loop awake instead of paying
 * a wake-up (tens of µs on a VM whose idle vCPUs halt).
 *
 * <p>Implementation notes. Between polls the loop yields, so that whatever else is runnable on its
 * CPU (a client, on a busy machine) goes first. A yield that takes long means exactly that: another
 * thread wanted the CPU and ran. On such a host polling only takes time slices from the processes
 * the broker serves and from the host's other work, and a thread that polls also loses the
 * scheduler's preference for a thread that wakes from sleep, so requests wait longer, not less. So
 * a yield longer than {@link #CONTENDED_YIELD_NANOS} ends the window, and the loop sleeps between
 * turns for {@link #BACKOFF_NANOS} before it polls again. An idle or lightly loaded host never sees
 * such a yield (a yield with nothing else to run is a system call of about a microsecond), so the
 * window stays as it was there.
 */
final class BusyPoll {
  /** A yield that took longer ran another thread first: the host is busy. */
  static final long CONTENDED_YIELD_NANOS = 20_000;

  /** How long the loop then sleeps between turns before it tries polling again. */
  static final long BACKOFF_NANOS = 10_000_000;

  /** One non-blocking poll: how many channels were ready, or a positive number for other work. */
  @FunctionalInterface
  interface Poll {
    int once() throws IOException;
  }

  private final long windowNanos;
  private final LongSupplier nanoTime;
  private final Runnable yield;

  /** No polling before this {@link #nanoTime} (after a contended yield). */
  private long pollAgainAt;

  private boolean backingOff;
  private long contendedWindows;

  BusyPoll(long windowNanos, LongSupplier nanoTime, Runnable yield) {
    this.windowNanos = windowNanos;
    this.nanoTime = nanoTime;
    this.yield = yield;
  }

  /** The loop's window: the JVM's clock and {@link Thread#yield()}. */
  static BusyPoll of(long windowNanos) {
    return new BusyPoll(windowNanos, System::nanoTime, Thread::yield);
  }

  /**
   * Polls until something is ready (returns what {@code poll} returned), the window has passed, or
   * a yield showed the host busy (both return 0: the loop then sleeps in select).
   */
  int run(Poll poll) throws IOException {
    if (windowNanos <= 0) {
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
        return ready;
      }
      long before = nanoTime.getAsLong();
      yield.run();
      long after = nanoTime.getAsLong();
      if (after - before > CONTENDED_YIELD_NANOS) {
        backingOff = true;
        pollAgainAt = after + BACKOFF_NANOS;
        contendedWindows++;
        return 0;
      }
      if (after - until >= 0) {
        return 0;
      }
    }
  }

  /** Windows ended early by a busy host, for tests and diagnostics. */
  long contendedWindows() {
    return contendedWindows;
  }
}
