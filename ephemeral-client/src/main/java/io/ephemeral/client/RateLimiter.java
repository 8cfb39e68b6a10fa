package io.ephemeral.client;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * A rate limiter shared by every process on the broker: at most {@code permits} grants in any
 * window of {@code per}, across all of them, granted first come, first served. Made by {@link
 * BrokerClient#rateLimiter}; holds no state of its own (the broker keeps it), so any number may
 * exist for one name, in any process, as long as they agree on permits and period.
 *
 * <pre>{@code
 * RateLimiter api = broker.rateLimiter("partner-api", 3, Duration.ofSeconds(1));
 * api.acquire();            // waits for a permit
 * callPartnerApi();
 * }</pre>
 *
 * <p>The window is the broker's clock (in a shared store, the store's): the times returned are the
 * grants' times on it. Thread-safe.
 */
public final class RateLimiter {
  private final Coordination coordination;
  private final String name;
  private final int permits;
  private final long perMillis;

  RateLimiter(Coordination coordination, String name, int permits, Duration per) {
    Requests.requireKey(name, "rateLimiter");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("A rate limiter needs a name");
    }
    if (permits < 1 || permits > 10_000) {
      throw new IllegalArgumentException("permits must be from 1 to 10000, got " + permits);
    }
    this.coordination = coordination;
    this.name = name;
    this.permits = permits;
    this.perMillis = Coordination.requireWaitingTime(per, "per");
  }

  /**
   * Waits as long as it takes for a permit.
   *
   * @return when the broker granted it
   * @throws BrokerException {@code limiter_mismatch} when the limiter exists with other permits or
   *     period; {@code too_many_waiters} when the broker holds its limit of waiting requests
   * @throws BrokerConnectionException if the broker cannot be reached
   */
  public Instant acquire() {
    while (true) {
      Instant granted =
          coordination.acquire(name, permits, perMillis, Coordination.MAX_WAIT_MILLIS);
      if (granted != null) {
        return granted;
      }
    }
  }

  /**
   * A permit if one is free now and nobody waits for one.
   *
   * @return whether one was granted
   */
  public boolean tryAcquire() {
    return coordination.acquire(name, permits, perMillis, 0) != null;
  }

  /**
   * Waits up to {@code wait} for a permit.
   *
   * @return whether one was granted
   * @throws IllegalArgumentException if {@code wait} is negative or longer than a day
   */
  public boolean tryAcquire(Duration wait) {
    long ms = Requests.requireWait(wait);
    return coordination.acquire(name, permits, perMillis, ms) != null;
  }

  /** {@link #acquire()} without blocking the caller. */
  public CompletableFuture<Instant> acquireAsync() {
    return Coordination.waiting(this::acquire);
  }

  /** {@link #tryAcquire(Duration)} without blocking the caller. */
  public CompletableFuture<Boolean> tryAcquireAsync(Duration wait) {
    long ms = Requests.requireWait(wait);
    return Coordination.waiting(() -> coordination.acquire(name, permits, perMillis, ms) != null);
  }

  /** The limiter's name. */
  public String name() {
    return name;
  }

  /** Most grants in any window of {@link #per()}. */
  public int permits() {
    return permits;
  }

  /** The window. */
  public Duration per() {
    return Duration.ofMillis(perMillis);
  }

  @Override
  public String toString() {
    return "RateLimiter[" + name + ": " + permits + " per " + perMillis + " ms]";
  }
}
