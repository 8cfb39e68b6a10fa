package io.ephemeral.broker.internal;

import io.ephemeral.broker.Clock;

/**
 * The time requests see: the injected clock, read at most once per loop turn, on first use. Reading
 * the system clock costs about as much as answering a small get, and a turn lasts microseconds, so
 * every request handled in one turn sees the same millisecond (Redis caches its time per event-loop
 * pass in the same way). Timers and the select timeout read the clock itself. Loop thread only.
 */
final class TurnClock implements Clock {
  private final Clock source;
  private long now;
  private boolean read;

  TurnClock(Clock source) {
    this.source = source;
  }

  /**
   * The clock time {@code millis} after {@code from}, or Long.MAX_VALUE (never) where the sum would
   * overflow: a ttl or timeout as large as a long means "no deadline", not one in the past.
   */
  static long deadline(long from, long millis) {
    long r = from + millis;
    return ((from ^ r) & (millis ^ r)) < 0 ? Long.MAX_VALUE : r;
  }

  /** Starts a new turn: the next {@link #millis()} asks the source again. */
  void tick() {
    read = false;
  }

  @Override
  public long millis() {
    if (!read) {
      now = source.millis();
      read = true;
    }
    return now;
  }

  @Override
  public void addJumpListener(Runnable listener) {
    source.addJumpListener(listener);
  }

  @Override
  public void removeJumpListener(Runnable listener) {
    source.removeJumpListener(listener);
  }
}
