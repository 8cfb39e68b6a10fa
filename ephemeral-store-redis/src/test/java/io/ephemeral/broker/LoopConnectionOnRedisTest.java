package io.ephemeral.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.ephemeral.broker.store.RemoteStore;
import io.ephemeral.store.redis.RedisServer;
import io.ephemeral.store.redis.RedisStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The event loop's own connection to Redis: once it is made, clients' calls go through it and not
 * through the store threads; when Redis stops answering, the calls out are answered {@code
 * store_unavailable} within the store's timeout and service comes back by itself; when Redis lost
 * the store's scripts, the connection is made again (loading them) and writes go on.
 */
class LoopConnectionOnRedisTest {

  private static Broker broker(RemoteStore store) {
    return Broker.builder()
        .environment(Map.of())
        .shutdownHook(false)
        .logLevel("error")
        .store(store)
        .build();
  }

  /** Sets k until an answer came through the loop's connection (its first use makes it). */
  private static void untilTheLoopConnects(WireClient c, CountingStore counting) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (counting.loopBatches.get() == 0) {
      assertThat(System.nanoTime()).as("the loop's connection is made").isLessThan(deadline);
      assertThat(c.call("{\"action\":\"set\",\"key\":\"warm\",\"value\":1,\"ttl\":60000}"))
          .isEqualTo("{\"ok\":true}");
      Thread.sleep(5);
    }
  }

  @Test
  void clientsCallsGoThroughTheLoopsConnectionOnceItIsMade() throws Exception {
    setsAndGetsGoThroughTheLoopsConnection(RedisServer.shared().store(Clock.system()), 2, 100);
  }

  @Test
  void throughRedissUnixSocketTheCallsGoThroughTheLoopsConnectionToo() throws Exception {
    RedisStore store =
        RedisStore.builder()
            .unixSocket(RedisServer.shared().unixSocket())
            .prefix(RedisServer.freshPrefix())
            .timeout(RedisServer.TEST_TIMEOUT)
            .build();
    setsAndGetsGoThroughTheLoopsConnection(store, 1, 50);
  }

  /**
   * A broker on {@code store}: once its loop has connected, {@code rounds} sets and gets from
   * {@code clients} connections in turn go through the loop's one connection, none through the
   * store threads.
   */
  private static void setsAndGetsGoThroughTheLoopsConnection(
      RemoteStore store, int clients, int rounds) throws Exception {
    CountingStore counting = new CountingStore();
    Broker broker = broker(counting.wrap(store));
    List<WireClient> connections = new ArrayList<>();
    try {
      Path socket = broker.start();
      for (int i = 0; i < clients; i++) {
        connections.add(new WireClient(socket));
      }
      untilTheLoopConnects(connections.get(0), counting);
      counting.threadCalls.set(0);
      counting.loopBatches.set(0);
      for (int i = 0; i < rounds; i++) {
        WireClient c = connections.get(i % clients);
        assertThat(
                c.call(
                    "{\"action\":\"set\",\"key\":\"k"
                        + i
                        + "\",\"value\":"
                        + i
                        + ",\"ttl\":60000}"))
            .isEqualTo("{\"ok\":true}");
        assertThat(c.call("{\"action\":\"get\",\"key\":\"k" + i + "\"}"))
            .contains("\"value\":" + i + ",");
      }
      assertThat(counting.loopBatches.get()).isEqualTo(2 * rounds);
      assertThat(counting.threadCalls.get()).as("calls through the store threads").isZero();
      assertThat(counting.loopConnections.get()).isEqualTo(1);
    } finally {
      for (WireClient c : connections) {
        c.close();
      }
      broker.stop();
    }
  }

  @Test
  void aListOfManyItemsArrivesInManyReadsAndComesWhole() throws Exception {
    CountingStore counting = new CountingStore();
    Broker broker =
        Broker.builder()
            .environment(Map.of())
            .shutdownHook(false)
            .logLevel("error")
            .maxItems(100_000)
            .store(counting.wrap(RedisServer.shared().store(Clock.system())))
            .build();
    try {
      Path socket = broker.start();
      try (WireClient c = new WireClient(socket)) {
        untilTheLoopConnects(c, counting);
        int items = 30_000;
        StringBuilder sets = new StringBuilder();
        for (int i = 0; i < items; i++) {
          sets.append("{\"action\":\"set\",\"key\":\"item-")
              .append(i)
              .append("\",\"value\":")
              .append(i)
              .append(",\"ttl\":60000}\n");
          if (i % 1_000 == 999) {
            c.send(sets.toString());
            sets.setLength(0);
            for (String answer : c.readLines(1_000)) {
              assertThat(answer).isEqualTo("{\"ok\":true}");
            }
          }
        }
        counting.threadCalls.set(0);
        counting.loopBatches.set(0);
        // Redis's reply is about a megabyte: it arrives in many reads of the loop's connection.
        com.fasterxml.jackson.databind.JsonNode list =
            new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(c.call("{\"action\":\"list\"}"))
                .get("items");
        assertThat(list.size()).isEqualTo(items + 1); // and "warm"
        for (int i = 0; i < items; i += 997) {
          assertThat(list.has("item-" + i)).as("item-%d listed", i).isTrue();
        }
        assertThat(counting.loopBatches.get()).isEqualTo(1);
        assertThat(counting.threadCalls.get()).isZero();
      }
    } finally {
      broker.stop();
    }
  }

  /** What a test does with a broker on a Redis of its own, once the loop's connection is made. */
  @FunctionalInterface
  private interface OnOwnRedis {
    void run(RedisServer redis, WireClient client, CountingStore counting) throws Exception;
  }

  /**
   * Runs {@code test} against a broker on a fresh redis-server, with the store {@code store} makes.
   */
  private static void onOwnRedis(Function<RedisServer, RemoteStore> store, OnOwnRedis test)
      throws Exception {
    try (RedisServer redis = RedisServer.start()) {
      CountingStore counting = new CountingStore();
      Broker broker = broker(counting.wrap(store.apply(redis)));
      try (WireClient c = new WireClient(broker.start())) {
        untilTheLoopConnects(c, counting);
        test.run(redis, c, counting);
      } finally {
        broker.stop();
      }
    }
  }

  @Test
  void aPipeliningClientHasSeveralBatchesOutAtOnceAndItsAnswersKeepTheirOrder() throws Exception {
    onOwnRedis(
        redis -> redis.store(Clock.system()),
        (redis, c, counting) -> {
          counting.mostOutstanding.set(0);
          counting.threadCalls.set(0);
          // Redis holds its answers for a second: the client's second piece reaches Redis as a
          // second batch while the first is still out, not a round trip later.
          assertThat(redis.command("CLIENT", "PAUSE", "1000", "ALL")).isEqualTo("+OK");
          c.send(setThenGet(0, 100));
          awaitOutstanding(counting, 1);
          c.send(setThenGet(100, 200));
          awaitOutstanding(counting, 2);
          // Each get sees the set just before it: the batches reached Redis in order.
          List<String> answers = c.readLines(200);
          for (int i = 0; i < 200; i += 2) {
            assertThat(answers.get(i)).as("answer %d", i).isEqualTo("{\"ok\":true}");
            assertThat(answers.get(i + 1)).as("answer %d", i + 1).contains("\"value\":" + i + ",");
          }
          assertThat(counting.threadCalls.get()).as("calls through the store threads").isZero();
        });
  }

  /** Sets of key p to from, from + 2, ... each followed by a get of p, up to {@code to}. */
  private static String setThenGet(int from, int to) {
    StringBuilder piece = new StringBuilder();
    for (int i = from; i < to; i += 2) {
      piece
          .append("{\"action\":\"set\",\"key\":\"p\",\"value\":")
          .append(i)
          .append(",\"ttl\":60000}\n{\"action\":\"get\",\"key\":\"p\"}\n");
    }
    return piece.toString();
  }

  private static void awaitOutstanding(CountingStore counting, int batches) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMillis(900).toNanos();
    while (counting.outstanding.get() < batches) {
      assertThat(System.nanoTime())
          .as("%d batches out while Redis holds its answers", batches)
          .isLessThan(deadline);
      Thread.sleep(1);
    }
  }

  @Test
  void aRedisThatStopsAnsweringCostsTheCallsOutTheTimeoutAndServiceComesBack() throws Exception {
    onOwnRedis(
        redis ->
            RedisStore.builder()
                .standalone(redis.address())
                .prefix(RedisServer.freshPrefix())
                .timeout(Duration.ofMillis(300))
                .build(),
        (redis, c, counting) -> {
          assertThat(redis.command("CLIENT", "PAUSE", "3000", "ALL")).isEqualTo("+OK");
          long sent = System.nanoTime();
          String answer = c.call("{\"action\":\"get\",\"key\":\"warm\"}");
          long waitedMillis = (System.nanoTime() - sent) / 1_000_000;
          assertThat(answer)
              .contains("\"error\":\"store_unavailable\"")
              .contains("Redis at redis://127.0.0.1:" + redis.port());
          assertThat(waitedMillis)
              .as("answered after the timeout, not Redis's pause")
              .isLessThan(2500L);
          redis.command("CLIENT", "UNPAUSE");
          // Back by itself: the store threads at once, the loop's connection made again.
          long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
          String again;
          do {
            assertThat(System.nanoTime()).as("service comes back").isLessThan(deadline);
            Thread.sleep(20);
            again = c.call("{\"action\":\"get\",\"key\":\"warm\"}");
          } while (!again.contains("\"value\":1,") || counting.loopConnections.get() < 2);
        });
  }

  @Test
  void redisLosingTheScriptsCostsAtMostTheWriteInFlight() throws Exception {
    onOwnRedis(
        redis -> redis.store(Clock.system()),
        (redis, c, counting) -> {
          assertThat(redis.command("SCRIPT", "FLUSH")).isEqualTo("+OK");
          String first = c.call("{\"action\":\"set\",\"key\":\"k\",\"value\":1,\"ttl\":60000}");
          if (!first.equals("{\"ok\":true}")) {
            assertThat(first)
                .contains("\"error\":\"store_unavailable\"")
                .contains("lost the store's scripts");
          }
          for (int i = 2; i < 50; i++) {
            assertThat(
                    c.call("{\"action\":\"set\",\"key\":\"k\",\"value\":" + i + ",\"ttl\":60000}"))
                .as("set %d", i)
                .isEqualTo("{\"ok\":true}");
          }
          assertThat(c.call("{\"action\":\"get\",\"key\":\"k\"}")).contains("\"value\":49,");
        });
  }
}
