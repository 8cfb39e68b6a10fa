package io.ephemeral.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Many threads, many requests in flight: every response must reach the request it answers. Each
 * thread works on its own keys with values that encode thread and sequence number, so a lost,
 * duplicated or misrouted response shows up as a wrong value, a wrong shape or a hang.
 */
class ConcurrencyTest {
  private static final long SEED = 20250101L;
  private static final int THREADS = 32;
  private static final int OPS = 2_000;
  private static final Duration MINUTE = Duration.ofMinutes(1);

  /** A value that says who wrote it. */
  record Stamp(int thread, int seq, String pad) {}

  private BrokerFixture broker;

  @BeforeEach
  void start() throws Exception {
    broker = BrokerFixture.start(b -> b.maxItems(0));
  }

  @AfterEach
  void stop() {
    broker.close();
  }

  @Test
  void thirtyTwoThreadsShareOneClient() throws Exception {
    try (BrokerClient shared = broker.client().timeout(Duration.ofSeconds(30)).build()) {
      runMixedWorkload(t -> shared);
    }
  }

  @Test
  void thirtyTwoThreadsWithOneClientEach() throws Exception {
    List<BrokerClient> clients = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      clients.add(broker.client().timeout(Duration.ofSeconds(30)).build());
    }
    try {
      runMixedWorkload(clients::get);
    } finally {
      clients.forEach(BrokerClient::close);
    }
  }

  private void runMixedWorkload(IntFunction<BrokerClient> clientFor) throws Exception {
    List<Callable<Integer>> workers = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int thread = t;
      workers.add(() -> mixedOperations(thread, clientFor.apply(thread)));
    }
    for (Future<Integer> done : runTogether(workers)) {
      assertThat(done.get(3, TimeUnit.MINUTES)).isEqualTo(OPS);
    }
  }

  private int mixedOperations(int t, BrokerClient c) throws Exception {
    Random rnd = new Random(SEED * 31 + t);
    Map<String, Stamp> expected = new HashMap<>();
    String worker = "worker-" + t;
    int done = 0;
    for (int i = 0; i < OPS; i++) {
      String key = "t" + t + "-k" + rnd.nextInt(16);
      Stamp current = expected.get(key);
      int op = rnd.nextInt(100);
      String where = "thread " + t + " op " + i + " key " + key;
      if (op < 30) {
        // Mostly small values, sometimes above the compression threshold.
        Stamp v =
            new Stamp(
                t, i, pad(rnd, rnd.nextInt(8) == 0 ? 1_000 + rnd.nextInt(3_000) : rnd.nextInt(40)));
        if (rnd.nextBoolean()) {
          c.set(key, v, MINUTE);
        } else {
          c.setAsync(key, v, MINUTE).get(30, TimeUnit.SECONDS);
        }
        expected.put(key, v);
      } else if (op < 55) {
        if (current == null) {
          assertThatThrownBy(() -> c.get(key, Stamp.class))
              .as(where)
              .isInstanceOf(NotFoundException.class);
        } else {
          assertThat(c.get(key, Stamp.class)).as(where).isEqualTo(current);
        }
      } else if (op < 65) {
        if (current != null) {
          assertThat(c.getAsync(key, Stamp.class).get(30, TimeUnit.SECONDS))
              .as(where)
              .isEqualTo(current);
        } else {
          assertThat(c.getRawAsync(key))
              .as(where)
              .failsWithin(30, TimeUnit.SECONDS)
              .withThrowableThat()
              .withCauseInstanceOf(NotFoundException.class);
        }
      } else if (op < 72) {
        assertThat(c.del(key)).as(where).isEqualTo(expected.remove(key) != null);
      } else if (op < 82) {
        // A pool of its own: the number is always 0, and release must find the lease.
        assertThat(c.lease("pool-" + t, worker, MINUTE)).as(where).isZero();
        assertThat(c.release(worker)).as(where).isTrue();
        assertThat(c.releaseAsync(worker).get(30, TimeUnit.SECONDS)).as(where).isFalse();
      } else if (op < 92) {
        assertThat(c.ping()).as(where).isEqualTo(broker.clock.millis());
      } else {
        if (current != null) {
          String raw = c.getRaw(key);
          assertThat(raw).as(where).contains("\"thread\":" + t + ",\"seq\":" + current.seq() + ",");
        } else {
          assertThat(c.list()).as(where).doesNotContainKey(key);
        }
      }
      done++;
    }
    return done;
  }

  private static final String[] PAD = {"a", "\u00e9", "\u20ac", "\uD83D\uDE00", "\"", "\n"};

  /** Text with 1- to 4-byte UTF-8 characters, so characters straddle socket reads. */
  private static String pad(Random rnd, int length) {
    StringBuilder sb = new StringBuilder(length * 2);
    for (int i = 0; i < length; i++) {
      sb.append(PAD[rnd.nextInt(PAD.length)]);
    }
    return sb.toString();
  }

  @Test
  void deepAsyncPipelineIsAnsweredInOrderWithoutAThreadPerAnswer() throws Exception {
    // 100,000 requests in flight on one connection, answers completed off the reader thread on
    // the client's shared pool. What this proves is that every answer reaches its request and that
    // completing them starts no thread per answer (CompletableFuture does that with the common
    // pool on a one-parallelism machine): the threads started are counted, not the time taken.
    // How long 100,000 answers take is the host's speed, and through the Redis store it is
    // hundreds of store round trips of a few thread wake-ups each, which a saturated two-core host
    // stretches past the default 5 s; the client's timeout here is the test's own bound.
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    try (BrokerClient c = broker.client().timeout(Duration.ofMinutes(2)).build()) {
      for (int i = 0; i < 100; i++) {
        c.set("deep-" + i, i, MINUTE);
      }
      long startedBefore = threads.getTotalStartedThreadCount();
      List<java.util.concurrent.CompletableFuture<Integer>> gets = new ArrayList<>();
      List<java.util.concurrent.CompletableFuture<Long>> pings = new ArrayList<>();
      for (int i = 0; i < 50_000; i++) {
        gets.add(c.getAsync("deep-" + (i % 100), Integer.class));
        pings.add(c.pingAsync());
      }
      for (int i = 0; i < 50_000; i++) {
        assertThat(gets.get(i).get(3, TimeUnit.MINUTES)).isEqualTo(i % 100);
        assertThat(pings.get(i).get(3, TimeUnit.MINUTES)).isEqualTo(broker.clock.millis());
      }
      assertThat(threads.getTotalStartedThreadCount() - startedBefore)
          .as("threads started while 100,000 answers were completed")
          .isLessThan(1_000);
    }
  }

  @Test
  void leasedNumbersAreNeverHeldTwice() throws Exception {
    int workers = 64;
    int rounds = 150;
    List<BrokerClient> clients = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      clients.add(broker.client().timeout(Duration.ofSeconds(30)).build());
    }
    ConcurrentHashMap<Integer, String> holders = new ConcurrentHashMap<>();
    AtomicInteger highest = new AtomicInteger(-1);
    try {
      List<Callable<Integer>> tasks = new ArrayList<>();
      for (int w = 0; w < workers; w++) {
        String worker = "lease-worker-" + w;
        BrokerClient c = clients.get(w % clients.size());
        Random rnd = new Random(SEED + w);
        tasks.add(
            () -> {
              for (int r = 0; r < rounds; r++) {
                int n =
                    rnd.nextBoolean()
                        ? c.lease("shared-pool", worker, MINUTE)
                        : c.leaseAsync("shared-pool", worker, MINUTE).get(30, TimeUnit.SECONDS);
                String previous = holders.putIfAbsent(n, worker);
                assertThat(previous)
                    .as("number %d leased to %s while %s holds it", n, worker, previous)
                    .isNull();
                highest.accumulateAndGet(n, Math::max);
                if (rnd.nextInt(4) == 0) {
                  // Renewing keeps the same number.
                  assertThat(c.lease("shared-pool", worker, MINUTE)).isEqualTo(n);
                }
                assertThat(holders.remove(n, worker)).isTrue();
                assertThat(c.release(worker)).as("%s releases %d", worker, n).isTrue();
              }
              return rounds;
            });
      }
      for (Future<Integer> f : runTogether(tasks)) {
        assertThat(f.get(3, TimeUnit.MINUTES)).isEqualTo(rounds);
      }
    } finally {
      clients.forEach(BrokerClient::close);
    }
    assertThat(highest.get()).isBetween(0, workers - 1);
    try (BrokerClient c = broker.client().build()) {
      assertThat(c.stats().leases()).isZero();
    }
  }

  /** Starts all tasks at once on their own threads. */
  private static <T> List<Future<T>> runTogether(List<Callable<T>> tasks) {
    ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
    CountDownLatch go = new CountDownLatch(1);
    List<Future<T>> futures = new ArrayList<>();
    for (Callable<T> task : tasks) {
      futures.add(
          pool.submit(
              () -> {
                go.await();
                return task.call();
              }));
    }
    go.countDown();
    pool.shutdown();
    return futures;
  }
}
