package io.ephemeral.broker.internal;

import io.ephemeral.broker.Clock;
import io.ephemeral.broker.Interceptor;
import io.ephemeral.protocol.ErrorCodes;
import io.ephemeral.protocol.Hmac;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Replay protection for signed requests: the signed payload's {@code ts} must be within the window
 * of the broker's clock and its {@code nonce} must not have been seen while that timestamp could
 * still be accepted. Loop thread only.
 *
 * <p>Implementation notes. A nonce has to be remembered only until {@code ts + window}: after that
 * the timestamp check alone refuses a replay. Nonces are kept in arrival order with that expiry and
 * dropped from the oldest end; arrival order is not quite expiry order (timestamps vary within the
 * window), so an entry may outlive its expiry by up to one window, which only costs room. The cache
 * never grows past its capacity: while it is full, requests with new nonces are refused instead.
 */
final class ReplayCache {
  /** Longest nonce accepted: room for any sensible encoding of 128 random bits and more. */
  static final int MAX_NONCE_LENGTH = 128;

  private final Clock clock;
  private final long window;
  private final int capacity;
  private final LoopState state;
  private final LinkedHashMap<String, Long> seen = new LinkedHashMap<>();
  private final Interceptor.Rejection missing;
  private final Interceptor.Rejection replayed;
  private final Interceptor.Rejection full;

  ReplayCache(Clock clock, long windowMillis, int capacity, LoopState state) {
    this.clock = clock;
    this.window = windowMillis;
    this.capacity = capacity;
    this.state = state;
    this.missing =
        new Interceptor.Rejection(
            ErrorCodes.REPLAY_FIELDS_REQUIRED,
            "replay protection is on: sign a numeric \"ts\" (epoch milliseconds) and a \"nonce\" string of 1 to "
                + MAX_NONCE_LENGTH
                + " characters with the request");
    this.replayed =
        new Interceptor.Rejection(
            ErrorCodes.REPLAYED_REQUEST, "this nonce was already used within the replay window");
    this.full =
        new Interceptor.Rejection(
            ErrorCodes.REPLAY_CACHE_FULL,
            "the broker remembers replayCacheSize ("
                + capacity
                + ") nonces and is full; retry later");
  }

  /** Null if the verified request may proceed, else why not. */
  Interceptor.Rejection check(Hmac.Signed signed) {
    double ts = signed.timestamp();
    String nonce = signed.nonce();
    if (Double.isNaN(ts) || nonce == null || nonce.isEmpty() || nonce.length() > MAX_NONCE_LENGTH) {
      return missing;
    }
    long now = clock.millis();
    double skew = ts - now;
    if (Math.abs(skew) > window) {
      return new Interceptor.Rejection(
          ErrorCodes.STALE_REQUEST,
          "ts is "
              + Math.round(Math.abs(skew))
              + " ms "
              + (skew < 0 ? "behind" : "ahead of")
              + " the broker's clock; the replay window is "
              + window
              + " ms");
    }
    purge(now);
    if (seen.containsKey(nonce)) {
      return replayed;
    }
    if (seen.size() >= capacity) {
      state.limitHit(Limit.REPLAY_CACHE_SIZE);
      return full;
    }
    seen.put(nonce, (long) Math.ceil(ts) + window);
    return null;
  }

  private void purge(long now) {
    Iterator<Map.Entry<String, Long>> it = seen.entrySet().iterator();
    while (it.hasNext()) {
      if (it.next().getValue() >= now) {
        return;
      }
      it.remove();
    }
  }

  int size() {
    return seen.size();
  }
}
