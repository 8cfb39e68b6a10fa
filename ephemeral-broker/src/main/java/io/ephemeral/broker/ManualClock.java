package io.ephemeral.broker;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A clock that moves only when told to: tests advance it instead of sleeping. A broker built with
 * it re-evaluates its timers (sweeper, idle timeout, heartbeat) each time the clock is advanced.
 * Thread-safe.
 */
public final class ManualClock implements Clock {
  private volatile long now;
  private final CopyOnWriteArrayList<Runnable> listeners = new CopyOnWriteArrayList<>();

  /** A clock starting at the given epoch milliseconds. */
  public ManualClock(long startMillis) {
    this.now = startMillis;
  }

  /** A clock starting at a fixed, recognisable instant (2025-01-01T00:00:00Z). */
  public ManualClock() {
    this(1_735_689_600_000L);
  }

  @Override
  public long millis() {
    return now;
  }

  /** Moves the clock forward and wakes every broker using it. */
  public void advance(Duration amount) {
    Objects.requireNonNull(amount, "amount");
    if (amount.isNegative()) {
      throw new IllegalArgumentException("a clock only moves forward: " + amount);
    }
    synchronized (this) {
      now += amount.toMillis();
    }
    for (Runnable listener : listeners) {
      listener.run();
    }
  }

  @Override
  public void addJumpListener(Runnable listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  @Override
  public void removeJumpListener(Runnable listener) {
    listeners.remove(listener);
  }
}
