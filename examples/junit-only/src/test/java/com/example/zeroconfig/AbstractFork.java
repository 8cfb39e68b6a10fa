package com.example.zeroconfig;

import static com.example.zeroconfig.Records.record;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ephemeral.client.BrokerClient;
import io.ephemeral.client.Lease;
import io.ephemeral.client.RateLimiter;
import io.ephemeral.junit.EphemeralBroker;
import io.ephemeral.junit.SharedValues;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The seed's four patterns and the new primitives, as a test would use them; each ForkNTest runs
 * this in a fork of its own, all four at once. What each fork sees is recorded and checked after
 * the forks by AfterTheForksCheck.
 */
@EphemeralBroker
abstract class AbstractFork {
  static final int FORKS = 4;
  static final int ACCOUNTS = 2;
  static final int ROUNDS = 2;
  static final int IDS_PER_FORK = 25;
  static final int CALLS_PER_FORK = 3;
  static final Duration HOUR = Duration.ofHours(1);

  @Test
  void coordinatesWithTheOtherForks(BrokerClient broker) throws Exception {
    // All four forks start together: nobody goes on before the last one arrived.
    long arrived = System.currentTimeMillis();
    int index = broker.awaitBarrier("all-forks", FORKS, Duration.ofMinutes(2));
    record("barrier", index, arrived, System.currentTimeMillis());

    // One login for everybody.
    String token =
        SharedValues.computeIfAbsent(
            broker,
            "auth-token",
            String.class,
            HOUR,
            () -> {
              record("login");
              pause(500); // the slow login
              return "token-" + Records.FORK;
            });
    record("token", token);

    // One expensive fixture for everybody.
    int primes =
        broker.getOrCompute(
            "primes",
            HOUR,
            Integer.class,
            () -> {
              record("fixture-built");
              return (int) java.util.stream.IntStream.range(2, 200_000).filter(AbstractFork::prime).count();
            });
    assertEquals(17984, primes);
    record("fixture", primes);

    // Unique order numbers.
    for (int i = 0; i < IDS_PER_FORK; i++) {
      record("id", broker.increment("order-ids", 1, HOUR));
    }

    // A test account nobody else uses at the same time.
    for (int round = 0; round < ROUNDS; round++) {
      try (Lease account =
          broker.lease(
              "test-accounts",
              "fork-" + Records.FORK + "-" + round,
              Duration.ofMinutes(1),
              ACCOUNTS,
              Duration.ofMinutes(2))) {
        long enter = System.currentTimeMillis();
        Thread.sleep(300); // "log in and click around"
        record("account", account.slot(), account.token(), enter, System.currentTimeMillis());
      }
    }

    // A partner API that allows 3 calls per second, whoever calls.
    RateLimiter api = broker.rateLimiter("partner-api", 3, Duration.ofSeconds(1));
    for (int i = 0; i < CALLS_PER_FORK; i++) {
      Instant granted = api.acquire();
      record("call", granted.toEpochMilli());
    }
  }

  private static void pause(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static boolean prime(int n) {
    for (int d = 2; (long) d * d <= n; d++) {
      if (n % d == 0) {
        return false;
      }
    }
    return true;
  }
}
