package io.ephemeral.broker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Lease pools with a size, waiting for a slot in FIFO order, and fencing tokens. */
class LeasePoolTest extends WithBroker {

  private static String lease(String worker, int size, long waitMs) {
    return "{\"action\":\"lease\",\"key\":\"accounts\",\"workerId\":\""
        + worker
        + "\",\"ttl\":60000,\"size\":"
        + size
        + (waitMs > 0 ? ",\"wait\":" + waitMs : "")
        + "}";
  }

  /** Waits until the broker has taken in {@code n} waiting lease requests. */
  private void awaitWaiters(int n) {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (f.callJson("{\"action\":\"stats\"}").get("stats").get("leaseWaiters").asInt() != n) {
      assertThat(System.nanoTime()).as("%d waiters", n).isLessThan(deadline);
    }
  }

  private JsonNode json(String line) throws Exception {
    return BrokerFixture.JSON.readTree(line);
  }

  @Test
  void aPoolNeverHasMoreHoldersThanItsSize() throws Exception {
    List<Long> tokens = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      JsonNode r = f.callJson(lease("w" + i, 3, 0));
      assertThat(r.get("value").asInt()).isEqualTo(i);
      tokens.add(r.get("token").asLong());
    }
    assertThat(tokens).isSorted().doesNotHaveDuplicates();
    assertThat(f.callJson(lease("w3", 3, 0)).get("error").asText()).isEqualTo("pool_exhausted");
    f.call("{\"action\":\"release\",\"workerId\":\"w1\"}");
    JsonNode next = f.callJson(lease("w3", 3, 0));
    assertThat(next.get("value").asInt()).isEqualTo(1);
    assertThat(next.get("token").asLong()).isGreaterThan(tokens.get(2));
    // Renewal keeps the slot and the token: it is not a new grant.
    assertThat(f.callJson(lease("w3", 3, 0)).get("token").asLong())
        .isEqualTo(next.get("token").asLong());
  }

  @Test
  void waitersAreServedFirstComeFirstServed() throws Exception {
    f.call(lease("holder", 1, 0));
    WireClient b = f.client();
    WireClient c = f.client();
    b.send(lease("b", 1, 60_000) + "\n");
    awaitWaiters(1);
    c.send(lease("c", 1, 60_000) + "\n");
    awaitWaiters(2);
    // A latecomer without wait does not jump the queue.
    assertThat(f.callJson(lease("late", 1, 0)).get("error").asText()).isEqualTo("pool_exhausted");
    f.call("{\"action\":\"release\",\"workerId\":\"holder\"}");
    JsonNode granted = json(b.readLine());
    assertThat(granted.get("value").asInt()).isZero();
    assertThat(b.call("{\"action\":\"release\",\"workerId\":\"b\"}"))
        .isEqualTo("{\"ok\":true,\"released\":true}");
    JsonNode second = json(c.readLine());
    assertThat(second.get("value").asInt()).isZero();
    assertThat(second.get("token").asLong()).isGreaterThan(granted.get("token").asLong());
  }

  @Test
  void aWaitEndsWithLeaseTimeoutAndLaterRequestsKeepTheirOrder() throws Exception {
    f.call(lease("holder", 1, 0));
    WireClient b = f.client();
    b.send(lease("b", 1, 5_000).replace("}", ",\"id\":7}") + "\n{\"action\":\"ping\"}\n");
    awaitWaiters(1);
    f.clock.advance(Duration.ofMillis(4_999));
    f.sync();
    f.clock.advance(Duration.ofMillis(1));
    assertThat(b.readLine()).isEqualTo("{\"ok\":false,\"error\":\"lease_timeout\",\"id\":7}");
    assertThat(b.readLine()).startsWith("{\"ok\":true,\"pong\":");
  }

  @Test
  void aTimedOutWaitIsAnErrorInTheMetricsAndKeepsTheInterceptorsMembers() throws Exception {
    try (BrokerFixture g =
        new BrokerFixture(
            b ->
                b.intercept(
                    r -> {
                      r.annotate("tenant", "\"t1\"");
                      return null;
                    }))) {
      g.call(lease("holder", 1, 0));
      WireClient b = g.client();
      b.send(lease("b", 1, 5_000).replace("}", ",\"id\":7}") + "\n");
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (g.callJson("{\"action\":\"stats\"}").get("stats").get("leaseWaiters").asInt() != 1) {
        assertThat(System.nanoTime()).as("the waiter").isLessThan(deadline);
      }
      g.clock.advance(Duration.ofMillis(5_000));
      assertThat(b.readLine())
          .isEqualTo("{\"ok\":false,\"error\":\"lease_timeout\",\"id\":7,\"tenant\":\"t1\"}");
      JsonNode metrics = g.callJson("{\"action\":\"metrics\",\"format\":\"json\"}").get("metrics");
      // Two leases: the holder's (granted) and the one that timed out.
      assertThat(metrics.at("/actions/lease/requests").asLong()).isEqualTo(2);
      assertThat(metrics.at("/actions/lease/errors").asLong()).isEqualTo(1);
      assertThat(metrics.at("/errors/lease_timeout").asLong()).isEqualTo(1);
    }
  }

  @Test
  void anExpiringHolderHandsItsSlotToTheWaiter() throws Exception {
    f.call(
        "{\"action\":\"lease\",\"key\":\"accounts\",\"workerId\":\"holder\",\"ttl\":1000,\"size\":1}");
    WireClient b = f.client();
    b.send(lease("b", 1, 60_000) + "\n");
    awaitWaiters(1);
    f.clock.advance(Duration.ofMillis(1000));
    JsonNode r = json(b.readLine());
    assertThat(r.get("ok").asBoolean()).isTrue();
    assertThat(r.get("value").asInt()).isZero();
  }

  @Test
  void aClosedConnectionGivesUpItsPlaceInTheQueue() throws Exception {
    f.call(lease("holder", 1, 0));
    WireClient b = f.client();
    b.send(lease("b", 1, 60_000) + "\n");
    awaitWaiters(1);
    b.close();
    awaitWaiters(0);
    f.call("{\"action\":\"release\",\"workerId\":\"holder\"}");
    assertThat(f.callJson(lease("c", 1, 0)).get("value").asInt()).isZero();
  }

  @Test
  void invalidSizeWaitAndMismatchedSizeAreRefused() throws Exception {
    assertThat(f.callJson(lease("a", 0, 0)).get("error").asText()).isEqualTo("invalid_size");
    assertThat(
            f.callJson("{\"action\":\"lease\",\"key\":\"k\",\"workerId\":\"w\",\"wait\":-1}")
                .get("error")
                .asText())
        .isEqualTo("invalid_wait");
    f.call(lease("a", 2, 0));
    assertThat(f.callJson(lease("b", 5, 0)).get("error").asText()).isEqualTo("pool_size_mismatch");
    // A request without size takes the pool as it is.
    assertThat(
            f.callJson("{\"action\":\"lease\",\"key\":\"accounts\",\"workerId\":\"c\"}")
                .get("value")
                .asInt())
        .isEqualTo(1);
  }

  @Test
  void sixtyFourWorkersNeverExceedAPoolOfThree() throws Exception {
    ConcurrentHashMap<Integer, String> holders = new ConcurrentHashMap<>();
    AtomicInteger maxConcurrent = new AtomicInteger();
    AtomicInteger current = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(64);
    List<Future<?>> done = new ArrayList<>();
    for (int w = 0; w < 64; w++) {
      String worker = "w" + w;
      Random random = new Random(w);
      done.add(
          pool.submit(
              () -> {
                try (WireClient c = new WireClient(f.socket)) {
                  for (int round = 0; round < 20; round++) {
                    JsonNode r = BrokerFixture.JSON.readTree(c.call(lease(worker, 3, 60_000)));
                    int slot = r.get("value").asInt();
                    assertThat(slot).isBetween(0, 2);
                    assertThat(holders.putIfAbsent(slot, worker))
                        .as("slot %d held twice", slot)
                        .isNull();
                    maxConcurrent.accumulateAndGet(current.incrementAndGet(), Math::max);
                    for (int spin = random.nextInt(50); spin > 0; spin--) {
                      Thread.onSpinWait();
                    }
                    current.decrementAndGet();
                    holders.remove(slot, worker);
                    assertThat(c.call("{\"action\":\"release\",\"workerId\":\"" + worker + "\"}"))
                        .contains("\"released\":true");
                  }
                }
                return null;
              }));
    }
    for (Future<?> d : done) {
      d.get();
    }
    pool.shutdown();
    assertThat(maxConcurrent.get()).isBetween(1, 3);
  }

  @Test
  void aLeaseWithoutSizeJoinsASizedPoolWaitsWithWaitAndErrorsNameThePoolsSize() throws Exception {
    for (int i = 0; i < 3; i++) {
      f.call(lease("java" + i, 3, 0)); // a pool of 3 made by the Java client
    }
    // What the Node client's lease() sends: no size, no wait.
    JsonNode full =
        f.callJson(
            "{\"action\":\"lease\",\"key\":\"accounts\",\"workerId\":\"node\",\"ttl\":60000}");
    assertThat(full.get("error").asText()).isEqualTo("pool_exhausted");
    assertThat(full.get("message").asText())
        .isEqualTo(
            "all 3 slots of lease pool 'accounts' are held; send \"wait\" (ms) to wait for a slot");
    JsonNode mismatch = f.callJson(lease("java9", 5, 0));
    assertThat(mismatch.get("message").asText())
        .isEqualTo("lease pool 'accounts' has size 3, not 5");
    // request({action: 'lease', ..., wait}): the pool's size governs and the worker waits.
    WireClient node = f.client();
    node.send(
        "{\"action\":\"lease\",\"key\":\"accounts\",\"workerId\":\"node\",\"ttl\":60000,\"wait\":60000}\n");
    awaitWaiters(1);
    f.call("{\"action\":\"release\",\"workerId\":\"java1\"}");
    JsonNode granted = json(node.readLine());
    assertThat(granted.get("value").asInt()).isEqualTo(1);
  }
}
