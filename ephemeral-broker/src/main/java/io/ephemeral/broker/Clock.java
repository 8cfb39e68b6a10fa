package io.ephemeral.broker;

/**
 * The broker's only source of time, so that TTLs, lease expiry, sweeping, idle timeout and
 * heartbeats can be tested by moving a {@link ManualClock} instead of sleeping.
 *
 * <p>Time is wall-clock epoch milliseconds, because the protocol exposes it ({@code ping}'s {@code
 * pong}, {@code list}'s {@code expires}).
 */
public interface Clock {

  /** Current time in epoch milliseconds. */
  long millis();

  /**
   * Registers a callback run whenever this clock jumps (a manual clock being advanced), so a broker
   * sleeping until its next timer re-evaluates its timers at once. The system clock never jumps
   * under our control, so the default does nothing.
   */
  default void addJumpListener(Runnable listener) {}

  /** Removes a callback added with {@link #addJumpListener}. */
  default void removeJumpListener(Runnable listener) {}

  /** The system wall clock. */
  static Clock system() {
    return SystemClock.INSTANCE;
  }
}

enum SystemClock implements Clock {
  INSTANCE;

  @Override
  public long millis() {
    return System.currentTimeMillis();
  }
}
