package io.ephemeral.broker;

import java.time.Duration;
import java.util.Objects;

/**
 * Computes a value on demand ({@code Broker.Builder.provide(pattern, provider)}): a {@code get} of
 * a missing key that matches the pattern runs the provider once — concurrent gets of the same key
 * wait for that one run — stores the result with its TTL and answers everyone. A failure is
 * answered to each waiter as {@code provider_failed} and not cached. Runs off the broker's thread,
 * so it may be slow (fetching a token, say).
 */
@FunctionalInterface
public interface ValueProvider {
  /**
   * Computes the value of a key that is not stored.
   *
   * @param key the key that was asked for
   * @return the value and how long to keep it
   * @throws Exception to answer the waiting gets with {@code provider_failed}
   */
  Provided load(String key) throws Exception;

  /**
   * A provided value.
   *
   * @param json the value as JSON text
   * @param ttl how long to keep it
   */
  record Provided(String json, Duration ttl) {
    /**
     * @throws IllegalArgumentException if the TTL is not positive
     */
    public Provided {
      Objects.requireNonNull(json, "json");
      Objects.requireNonNull(ttl, "ttl");
      if (ttl.isNegative() || ttl.isZero()) {
        throw new IllegalArgumentException("ttl must be positive, got " + ttl);
      }
    }
  }
}
