package io.ephemeral.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The coordination API of {@link BrokerClient} against a real broker (its clock is the fixture's
 * manual clock): several clients stand for several processes. The Redis store module runs this
 * suite again on Redis.
 */
class CoordinationClientTest {
  private static final long SEED = 20_261_207L;
  private static final Duration MINUTE = Duration.ofMinutes(1);

  private BrokerFixture f;
  private final List<BrokerClient> clients = new ArrayList<>();
  private ExecutorService pool;

  @BeforeEach
  void start() throws Exception {
    f = BrokerFixture.start();
    for (int i = 0; i < 4; i++) {
      clients.add(f.client().timeout(Duration.ofSeconds(20)).build());
    }
    pool = Executors.newFixedThreadPool(16);
  }

  @AfterEach
  void stop() {
    pool.shutdownNow();
    clients.forEach(BrokerClient::close);
    f.close();
  }

  private void awaitWaiting(int n) {
    BrokerFixture.awaitInFlight(clients.get(0), n);
  }

  @Test
  void ofSixteenConcurrentSetIfAbsentCallsExactlyOneStores() throws Exception {
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Boolean>> results = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      BrokerClient c = clients.get(i % clients.size());
      String value = "v" + i;
      results.add(
          pool.submit(
              () -> {
                go.await();
                return c.setIfAbsent("token", value, MINUTE);
              }));
    }
    go.countDown();
    int stored = 0;
    String winner = null;
    for (int i = 0; i < results.size(); i++) {
      if (results.get(i).get()) {
        stored++;
        winner = "v" + i;
      }
    }
    assertThat(stored).isEqualTo(1);
    assertThat(clients.get(1).get("token", String.class)).isEqualTo(winner);
    assertThat(clients.get(2).setIfAbsentAsync("token", "late", MINUTE).get()).isFalse();
  }

  @Test
  void concurrentIncrementsAreUniqueAndTheCounterIsAPlainValue() throws Exception {
    Random random = new Random(SEED);
    List<Future<List<Long>>> results = new ArrayList<>();
    for (int t = 0; t < 16; t++) {
      BrokerClient c = clients.get(t % clients.size());
      int n = 20 + random.nextInt(20);
      results.add(
          pool.submit(
              () -> {
                List<Long> got = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                  got.add(
                      i % 2 == 0
                          ? c.increment("ids", 1, MINUTE)
                          : c.incrementAsync("ids", 1, MINUTE).get());
                }
                return got;
              }));
    }
    Set<Long> seen = new HashSet<>();
    int total = 0;
    for (Future<List<Long>> r : results) {
      for (long v : r.get()) {
        assertThat(seen.add(v)).as("unique %d", v).isTrue();
        total++;
      }
    }
    assertThat(seen).allMatch(v -> v >= 1 && v <= seen.size());
    assertThat(clients.get(3).get("ids", Long.class)).isEqualTo((long) total);
    assertThat(clients.get(3).increment("ids", -total, MINUTE)).isZero();
    clients.get(0).set("text", "abc", MINUTE);
    assertThatThrownBy(() -> clients.get(0).increment("text", 1, MINUTE))
        .isInstanceOf(BrokerException.class)
        .hasMessageContaining("not_a_counter")
        .hasMessageContaining("'text'");
  }

  @Test
  void sixteenCallersOfGetOrComputeComputeOnce() throws Exception {
    AtomicInteger computed = new AtomicInteger();
    CountDownLatch go = new CountDownLatch(1);
    List<Future<String>> results = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      BrokerClient c = clients.get(i % clients.size());
      int me = i;
      results.add(
          pool.submit(
              () -> {
                go.await();
                return c.getOrCompute(
                    "fixture",
                    MINUTE,
                    String.class,
                    () -> {
                      computed.incrementAndGet();
                      return "built by " + me;
                    });
              }));
    }
    go.countDown();
    String first = results.get(0).get();
    for (Future<String> r : results) {
      assertThat(r.get()).isEqualTo(first);
    }
    assertThat(computed).hasValue(1);
    assertThat(
            clients.get(0).getOrComputeAsync("fixture", MINUTE, String.class, () -> "again").get())
        .isEqualTo(first);
  }

  @Test
  void whenTheComputationThrowsItsCallerGetsItsOwnExceptionAndAWaiterComputes() throws Exception {
    CountDownLatch computing = new CountDownLatch(1);
    CountDownLatch fail = new CountDownLatch(1);
    IllegalStateException boom = new IllegalStateException("login service down");
    Future<String> thrower =
        pool.submit(
            () ->
                clients
                    .get(0)
                    .getOrCompute(
                        "token",
                        MINUTE,
                        String.class,
                        () -> {
                          computing.countDown();
                          fail.await();
                          throw boom;
                        }));
    assertThat(computing.await(20, TimeUnit.SECONDS)).isTrue();
    Future<String> waiter =
        pool.submit(
            () -> clients.get(1).getOrCompute("token", MINUTE, String.class, () -> "second"));
    awaitWaiting(1);
    fail.countDown();
    assertThatThrownBy(thrower::get).cause().isSameAs(boom);
    assertThat(waiter.get(20, TimeUnit.SECONDS)).isEqualTo("second");
    assertThatThrownBy(
            () ->
                clients
                    .get(2)
                    .getOrCompute(
                        "checked",
                        MINUTE,
                        String.class,
                        () -> {
                          throw new java.io.IOException("disk");
                        }))
        .isInstanceOf(CompletionException.class)
        .hasRootCauseMessage("disk");
  }

  @Test
  void aWaitForAnotherComputationEndsWithComputeTimeout() throws Exception {
    CountDownLatch computing = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(1);
    Future<String> slow =
        pool.submit(
            () ->
                clients
                    .get(0)
                    .getOrCompute(
                        "slow",
                        MINUTE,
                        String.class,
                        () -> {
                          computing.countDown();
                          done.await();
                          return "late";
                        }));
    assertThat(computing.await(20, TimeUnit.SECONDS)).isTrue();
    Future<String> impatient =
        pool.submit(
            () ->
                clients
                    .get(1)
                    .getOrCompute("slow", MINUTE, Duration.ofSeconds(2), String.class, () -> "x"));
    awaitWaiting(1);
    f.clock.advance(Duration.ofSeconds(2));
    assertThatThrownBy(() -> impatient.get(20, TimeUnit.SECONDS))
        .hasCauseInstanceOf(BrokerException.class)
        .hasMessageContaining("compute_timeout")
        .hasMessageContaining("'slow'");
    done.countDown();
    assertThat(slow.get()).isEqualTo("late");
  }

  @Test
  void aBarrierReleasesItsPartiesTogetherAndATimeoutBreaksIt() throws Exception {
    List<CompletableFuture<Integer>> parties = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      parties.add(clients.get(i).awaitBarrierAsync("start", 3, MINUTE));
    }
    Set<Integer> indexes = new HashSet<>();
    for (CompletableFuture<Integer> p : parties) {
      indexes.add(p.get(20, TimeUnit.SECONDS));
    }
    assertThat(indexes).containsExactlyInAnyOrder(0, 1, 2);

    Future<Integer> alone =
        pool.submit(() -> clients.get(0).awaitBarrier("lonely", 2, Duration.ofSeconds(5)));
    awaitWaiting(1);
    f.clock.advance(Duration.ofSeconds(5));
    assertThatThrownBy(() -> alone.get(20, TimeUnit.SECONDS))
        .hasCauseInstanceOf(BrokerException.class)
        .hasMessageContaining("barrier_timeout")
        .hasMessageContaining("only 1 of 2 parties arrived at barrier 'lonely' within 5000 ms");
  }

  @Test
  void aRateLimiterGrantsItsPermitsPerWindowAndTheWaitingAcquireGetsTheNext() throws Exception {
    RateLimiter limiter = clients.get(0).rateLimiter("api", 2, Duration.ofSeconds(1));
    RateLimiter other = clients.get(1).rateLimiter("api", 2, Duration.ofSeconds(1));
    long t0 = f.clock.millis();
    assertThat(limiter.tryAcquire()).isTrue();
    assertThat(other.tryAcquire()).isTrue();
    assertThat(limiter.tryAcquire()).as("a third within the second").isFalse();
    CompletableFuture<Instant> next = other.acquireAsync();
    awaitWaiting(1);
    f.clock.advance(Duration.ofSeconds(1));
    assertThat(next.get(20, TimeUnit.SECONDS)).isEqualTo(Instant.ofEpochMilli(t0 + 1000));
    assertThatThrownBy(
            () -> clients.get(2).rateLimiter("api", 3, Duration.ofSeconds(1)).tryAcquire())
        .isInstanceOf(BrokerException.class)
        .hasMessageContaining("limiter_mismatch");
    assertThatThrownBy(() -> clients.get(2).rateLimiter("api", 0, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aLockIsHeldByOneHolderAtATimeWithGrowingFencingTokens() throws Exception {
    Lease held = clients.get(0).lock("db", Duration.ofSeconds(30), Duration.ZERO);
    assertThat(clients.get(1).tryLock("db", Duration.ofSeconds(30))).isEmpty();
    CompletableFuture<Lease> waiting =
        clients.get(2).lockAsync("db", Duration.ofSeconds(30), Duration.ofSeconds(20));
    awaitWaiting(1);
    held.close();
    Lease next = waiting.get(20, TimeUnit.SECONDS);
    assertThat(next.token()).isGreaterThan(held.token());
    next.close();
    Optional<Lease> free = clients.get(1).tryLock("db", Duration.ofSeconds(30));
    assertThat(free).isPresent();
    free.get().close();
  }
}
