package io.ephemeral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ephemeral.client.BrokerClient;
import io.ephemeral.client.Lease;
import io.ephemeral.store.redis.RedisServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two broker processes ({@code Main start --store redis://...}, as on two CI hosts) share one real
 * redis-server: 32 workers on each lease from one pool of 8 slots, hold a slot briefly and give it
 * back. A slot is never held by two workers at once, across brokers, and every slot's fencing
 * tokens grow with each holder.
 */
class TwoBrokersShareOneRedisTest {
  private static final int WORKERS_PER_BROKER = 32;
  private static final int POOL = 8;
  private static final int ROUNDS = 15;
  private static final long SEED = 20_261_123L;

  @TempDir Path dir;

  /** What a worker saw while it held a slot. */
  private record Grant(String worker, int broker, int slot, long token) {}

  @Test
  void sixtyFourWorkersOnTwoBrokersNeverShareASlot() throws Exception {
    String uri = RedisServer.shared().uri(RedisServer.freshPrefix());
    try (Cli a = Cli.start(dir.resolve("a"), "start", "--store", uri);
        Cli b = Cli.start(dir.resolve("b"), "start", "--store", uri)) {
      Path[] pipes = {a.awaitSocket(), b.awaitSocket()};
      // slot -> holder now; slot -> tokens of its holders, in the order they held it
      ConcurrentHashMap<Integer, String> holders = new ConcurrentHashMap<>();
      ConcurrentHashMap<Integer, List<Long>> tokensBySlot = new ConcurrentHashMap<>();
      List<Grant> log = java.util.Collections.synchronizedList(new ArrayList<>());
      AtomicInteger concurrent = new AtomicInteger();
      AtomicInteger mostConcurrent = new AtomicInteger();
      List<Callable<Void>> tasks = new ArrayList<>();
      List<BrokerClient> clients = new ArrayList<>();
      for (int broker = 0; broker < 2; broker++) {
        BrokerClient client =
            BrokerClient.builder()
                .environment(Map.of())
                .pipe(pipes[broker])
                .timeout(Duration.ofSeconds(30))
                .build();
        clients.add(client);
        for (int w = 0; w < WORKERS_PER_BROKER; w++) {
          int brokerIndex = broker;
          String worker = "b" + broker + "-w" + w;
          Random random = new Random(SEED + broker * 1000L + w);
          tasks.add(
              () -> {
                for (int round = 0; round < ROUNDS; round++) {
                  try (Lease lease =
                      client.lease(
                          "accounts",
                          worker,
                          Duration.ofMinutes(1),
                          POOL,
                          Duration.ofSeconds(60))) {
                    int slot = lease.slot();
                    assertThat(slot).isBetween(0, POOL - 1);
                    String previous = holders.putIfAbsent(slot, worker);
                    assertThat(previous)
                        .as("slot %d granted to %s while %s holds it", slot, worker, previous)
                        .isNull();
                    // Only the holder touches its slot's list while it holds the slot.
                    tokensBySlot
                        .computeIfAbsent(
                            slot, s -> java.util.Collections.synchronizedList(new ArrayList<>()))
                        .add(lease.token());
                    log.add(new Grant(worker, brokerIndex, slot, lease.token()));
                    mostConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
                    Thread.sleep(random.nextInt(3));
                    concurrent.decrementAndGet();
                    assertThat(holders.remove(slot, worker)).isTrue();
                  }
                }
                return null;
              });
        }
      }
      try {
        runTogether(tasks);
      } finally {
        clients.forEach(BrokerClient::close);
      }

      assertThat(log).hasSize(2 * WORKERS_PER_BROKER * ROUNDS);
      assertThat(mostConcurrent.get()).isBetween(2, POOL);
      // Both brokers granted slots, and every grant had a token of its own.
      assertThat(log).extracting(Grant::broker).contains(0, 1);
      assertThat(log.stream().map(Grant::token).distinct().count()).isEqualTo(log.size());
      tokensBySlot.forEach(
          (slot, tokens) ->
              assertThat(tokens)
                  .as("tokens of slot %d in the order it was held", slot)
                  .isSorted()
                  .doesNotHaveDuplicates());
      // Nothing is left held or waiting in the shared store.
      try (BrokerClient c = BrokerClient.builder().environment(Map.of()).pipe(pipes[1]).build()) {
        assertThat(c.stats().leases()).isZero();
      }
      assertThat(a.process().isAlive()).as("broker a" + a.describe()).isTrue();
      assertThat(b.process().isAlive()).as("broker b" + b.describe()).isTrue();
    }
  }

  @Test
  void aBrokerWhoseRedisIsDownDoesNotStart() throws Exception {
    int closedPort;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    try (Cli cli =
        Cli.start(dir, "start", "--store", "redis://127.0.0.1:" + closedPort + "?prefix=x")) {
      assertThat(cli.exitStatus()).as(cli.describe()).isEqualTo(ExitStatus.UNAVAILABLE.code);
      assertThat(cli.stderr())
          .contains("Failed to start broker: cannot reach Redis at redis://127.0.0.1:" + closedPort)
          .contains("(prefix x)");
      assertThat(cli.stdout()).doesNotContain("Broker running on");
    }
  }

  @Test
  void aStoreUriThatDoesNotParseIsAUsageError() throws Exception {
    try (Cli cli = Cli.start(dir, "start", "--store", "redis://host:notaport")) {
      assertThat(cli.exitStatus()).isEqualTo(ExitStatus.USAGE.code);
      assertThat(cli.stderr())
          .contains("invalid Redis store URI 'redis://host:notaport'")
          .contains("must be a number from 1 to 65535");
    }
    try (Cli cli = Cli.start(dir, Map.of("BROKER_STORE", "etcd://somewhere"), "start")) {
      assertThat(cli.exitStatus()).isEqualTo(ExitStatus.USAGE.code);
      assertThat(cli.stderr()).contains("BROKER_STORE").contains("no store for 'etcd:'");
    }
  }

  private static void runTogether(List<Callable<Void>> tasks) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Void>> futures = new ArrayList<>();
    for (Callable<Void> task : tasks) {
      futures.add(
          pool.submit(
              () -> {
                go.await();
                return task.call();
              }));
    }
    go.countDown();
    pool.shutdown();
    for (Future<Void> f : futures) {
      f.get(2, TimeUnit.MINUTES);
    }
  }
}
