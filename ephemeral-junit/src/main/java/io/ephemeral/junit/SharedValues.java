package io.ephemeral.junit;

import io.ephemeral.client.BrokerClient;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Values computed once per run and shared by every JVM on the broker: a login token, a generated
 * data set, a started container's address.
 *
 * <pre>{@code
 * Token token = SharedValues.computeIfAbsent(broker, "auth-token", Token.class,
 *     Duration.ofMinutes(30), () -> authenticate());
 * }</pre>
 *
 * <p>Built on {@link BrokerClient#getOrCompute}: the broker gives one caller the claim to compute
 * and the others wait for its value. If that caller's JVM dies (its connection closes) or its
 * supplier throws, a waiting caller computes instead, and the one whose supplier threw gets its own
 * exception.
 */
public final class SharedValues {
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
   * @throws io.ephemeral.client.BrokerException {@code compute_timeout} if another caller computed
   *     longer than {@code wait}, or another error from the broker
   * @throws io.ephemeral.client.BrokerConnectionException if the broker cannot be reached
   */
  public static <T> T computeIfAbsent(
      BrokerClient client,
      String key,
      Class<T> type,
      Duration ttl,
      Duration wait,
      Supplier<? extends T> supplier) {
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(supplier, "supplier");
    return client.getOrCompute(
        key,
        ttl,
        wait,
        type,
        () ->
            Objects.requireNonNull(
                supplier.get(), () -> "The supplier of shared value '" + key + "' returned null"));
  }
}
