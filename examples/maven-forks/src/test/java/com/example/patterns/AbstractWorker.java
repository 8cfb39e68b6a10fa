package com.example.patterns;

import static com.example.patterns.Shared.BROKER;
import static com.example.patterns.Shared.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ephemeral.client.Lease;
import java.time.Duration;
import java.util.Arrays;
import java.util.UUID;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** The four patterns; each WorkerNTest class runs them in its own fork. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class AbstractWorker {

  /** (a) Account leasing: at most one fork per account, from a pool of 3, waiting when all are taken. */
  @Test
  @Order(1)
  void usesATestAccountAlone() throws Exception {
    String me = Shared.worker("account");
    try (Lease account = BROKER.lease("test-accounts", me, Duration.ofSeconds(30), Shared.ACCOUNTS, Duration.ofSeconds(60))) {
      assertTrue(account.slot() >= 0 && account.slot() < Shared.ACCOUNTS, "slot " + account.slot());
      record("enter", account.slot(), account.token(), Shared.nowMicros());
      String holderKey = "account-" + account.slot() + "-holder";
      BROKER.set(holderKey, me, Duration.ofMinutes(1));
      Thread.sleep(600);                    // "log in and click around" as account N
      assertEquals(me, BROKER.get(holderKey, String.class), "someone else used account " + account.slot());
      record("exit", account.slot(), account.token(), Shared.nowMicros());
    }
  }

  /** (b) Shared auth token: fetched once by the first fork, reused by all. */
  @Test
  @Order(2)
  void sharesOneAuthToken() {
    String token = Shared.once("auth-token", String.class, "auth-fetches", () -> {
      sleep(500);                           // the slow login
      return "token-" + UUID.randomUUID();
    });
    record("token", token);
  }

  /** (c) Rate limit: at most 3 calls per second across all forks (pool of 3, each slot held 1 s). */
  @Test
  @Order(3)
  void callsTheRateLimitedApi() {
    for (int i = 0; i < Shared.CALLS_PER_WORKER; i++) {
      // Never released: the slot frees itself when its 1 s TTL runs out.
      BROKER.lease("api-calls", Shared.worker("call"), Duration.ofSeconds(1), Shared.CALLS_PER_SECOND, Duration.ofSeconds(60));
      record("call", Shared.nowMicros());
    }
  }

  /** (d) Expensive fixture: computed once, read by every fork. */
  @Test
  @Order(4)
  void usesTheExpensiveFixture() {
    int[] primes = Shared.once("fixture-primes", int[].class, "fixture-builds", AbstractWorker::primesBelow200k);
    assertEquals(17984, primes.length);
    record("fixture", primes.length, Arrays.hashCode(primes));
  }

  static int[] primesBelow200k() {
    sleep(300);
    int n = 200_000;
    boolean[] composite = new boolean[n];
    return java.util.stream.IntStream.range(2, n).filter(i -> {
      if (composite[i]) {
        return false;
      }
      for (long j = (long) i * i; j < n; j += i) {
        composite[(int) j] = true;
      }
      return true;
    }).toArray();
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
