package io.ephemeral.junit;

import io.ephemeral.client.BrokerClient;
import io.ephemeral.client.ExpiredException;
import io.ephemeral.client.Lease;
import io.ephemeral.client.NotFoundException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Values computed once per run and shared by every JVM on the broker: a login token, a generated
 * data set, a started container's address.
 *
 * <pre>{@code
 * Token token = SharedValues.computeIfAbsent(broker, "auth-token", Token.class,
 *     Duration.ofMinutes(30), () -> authenticate());
 * }</pre>
 */
public final class SharedValues {
  /*
   * The broker has no set-if-absent, so the value is guarded by a lock: a lease of the pool
   * "compute:<key>" of size 1.
   *
   *   1. get(key): present -> return it (no lock on the fast path).
   *   2. Take the lock, waiting first come, first served.
   *   3. get(key) again: a caller that held the lock before us may have stored it -> return it.
   *   4. Otherwise compute, set(key, value, ttl), return the value.
   *   5. Release the lock (finally), so a failing supplier lets the next waiter try.
   *
   * Every store happens under the lock and after a fresh read under it, so while the lock works
   * the supplier runs once per life of the value (again after its TTL has passed). The lock is a
   * lease, renewed while held: if its holder's JVM dies, the lease expires and the next waiter
   * computes. If renewal failed for longer than the lock's TTL during a computation, a second
   * caller could compute too; the last set wins.
   */
  static final String LOCK_PREFIX = "compute:";
  private static final Duration LOCK_TTL = Duration.ofSeconds(30);
  private static final Duration DEFAULT_WAIT = Duration.ofMinutes(5);

  private SharedValues() {}

  /**
   * Like {@link #computeIfAbsent(BrokerClient, String, Class, Duration, Duration, Supplier)}
   * waiting up to five minutes for another caller's computation.
   */
  public static <T> T computeIfAbsent(
      BrokerClient client,
      String key,
      Class<T> type,
      Duration ttl,
      Supplier<? extends T> supplier) {
    return computeIfAbsent(client, key, type, ttl, DEFAULT_WAIT, supplier);
  }

  /**
   * Returns the value stored under {@code key}; if there is none, computes it with {@code supplier}
   * and stores it for {@code ttl}, so that of all concurrent callers on the broker, in any JVM,
   * exactly one computes it.
   *
   * @param type the value's type, read with the client's Jackson mapper
   * @param ttl how long the value is kept
   * @param wait how long to wait while another caller computes the value
   * @throws NullPointerException if the supplier returns null
   * @throws IllegalStateException if another caller held the lock longer than {@code wait}
   * @throws io.ephemeral.client.BrokerException or {@link
   *     io.ephemeral.client.BrokerConnectionException} from the broker
   */
  public static <T> T computeIfAbsent(
      BrokerClient client,
      String key,
      Class<T> type,
      Duration ttl,
      Duration wait,
      Supplier<? extends T> supplier) {
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(ttl, "ttl");
    Objects.requireNonNull(supplier, "supplier");
    Optional<T> present = find(client, key, type);
    if (present.isPresent()) {
      return present.get();
    }
    Lease lock = Leasing.acquire(client, LOCK_PREFIX + key, 1, LOCK_TTL, wait);
    try {
      present = find(client, key, type);
      if (present.isPresent()) {
        return present.get();
      }
      T value =
          Objects.requireNonNull(
              supplier.get(), () -> "The supplier of shared value '" + key + "' returned null");
      client.set(key, value, ttl);
      return value;
    } finally {
      lock.release();
    }
  }

  private static <T> Optional<T> find(BrokerClient client, String key, Class<T> type) {
    try {
      return Optional.ofNullable(client.get(key, type));
    } catch (NotFoundException | ExpiredException e) {
      return Optional.empty();
    }
  }
}
