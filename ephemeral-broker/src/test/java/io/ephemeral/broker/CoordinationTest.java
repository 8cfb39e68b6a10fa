package io.ephemeral.broker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The coordination actions on the wire: setIfAbsent, incr, compute / computed / computeFailed,
 * barrier and acquire. Time is the fixture's manual clock; a waiting request is known to wait once
 * health counts it in flight. The Redis store module runs this suite again on Redis.
 */
class CoordinationTest extends WithBroker {
  @Override
  protected Broker.Builder options(Broker.Builder builder) {
    return builder.maxLeaseWaiters(16);
  }

  private static JsonNode json(String line) throws IOException {
    return BrokerFixture.JSON.readTree(line);
  }

  /**
   * Waits until the broker holds at least {@code n} requests besides the health check in flight
   * (with a shared store, requests behind a waiting one are in flight too).
   */
  private void awaitWaiting(int n) {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (f.callJson("{\"action\":\"health\"}").get("connections").get("inFlight").asInt()
        < n + 1) {
      assertThat(System.nanoTime()).as("%d waiting", n).isLessThan(deadline);
    }
  }

  /*
   * With a shared store, requests from different connections reach it in no fixed order (each
   * loop turn's calls go to the store as one pipeline, on one of several threads), so a test that
   * needs one waiting request ahead of another asks the store until the first one is there.
   */

  /** Waits until {@code n} callers wait for the claim on {@code key}. */
  private void awaitComputeWaiters(String key, int n) {
    awaitMessage(compute(key, 0, ""), "(" + n + " waiting for it)");
  }

  /** Waits until {@code n} parties wait at barrier {@code name} (a one-party probe passes). */
  private void awaitArrived(String name, int n) {
    awaitMessage(barrier(name, 1, 1_000), "is waited on by " + n + " parties");
  }

  /** Waits until a request waits in the queue of a full rate limiter (retryAfter 1). */
  private void awaitQueued(String name, int permits, long per) {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (f.callJson(acquire(name, permits, per, 0)).get("retryAfter").asLong() != 1) {
      assertThat(System.nanoTime()).as("a request queued at '%s'", name).isLessThan(deadline);
    }
  }

  private void awaitMessage(String probe, String part) {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!f.callJson(probe).path("message").asText().contains(part)) {
      assertThat(System.nanoTime()).as(part).isLessThan(deadline);
    }
  }

  private static String compute(String key, long waitMs, String extra) {
    return "{\"action\":\"compute\",\"key\":\"" + key + "\",\"wait\":" + waitMs + extra + "}";
  }

  private static String computed(String key, long token, String value) {
    return "{\"action\":\"computed\",\"key\":\""
        + key
        + "\",\"token\":"
        + token
        + ",\"value\":"
        + value
        + ",\"ttl\":60000}";
  }

  private static String barrier(String name, int parties, long waitMs) {
    return "{\"action\":\"barrier\",\"key\":\""
        + name
        + "\",\"parties\":"
        + parties
        + ",\"wait\":"
        + waitMs
        + "}";
  }

  private static String acquire(String name, int permits, long per, long waitMs) {
    return "{\"action\":\"acquire\",\"key\":\""
        + name
        + "\",\"permits\":"
        + permits
        + ",\"per\":"
        + per
        + ",\"wait\":"
        + waitMs
        + "}";
  }

  // ---- setIfAbsent, incr ----

  @Test
  void setIfAbsentStoresOnlyWhileTheKeyHasNoLiveValue() {
    String set = "{\"action\":\"setIfAbsent\",\"key\":\"token\",\"value\":\"%s\",\"ttl\":1000}";
    assertThat(f.call(set.formatted("first"))).isEqualTo("{\"ok\":true,\"stored\":true}");
    assertThat(f.call(set.formatted("second"))).isEqualTo("{\"ok\":true,\"stored\":false}");
    assertThat(f.callJson("{\"action\":\"get\",\"key\":\"token\"}").get("value").asText())
        .isEqualTo("first");
    f.clock.advance(Duration.ofMillis(1000));
    assertThat(f.call(set.formatted("third"))).isEqualTo("{\"ok\":true,\"stored\":true}");
    assertThat(f.callJson("{\"action\":\"get\",\"key\":\"token\"}").get("value").asText())
        .isEqualTo("third");
  }

  @Test
  void setIfAbsentIsCheckedLikeSet() {
    assertThat(f.callJson("{\"action\":\"setIfAbsent\",\"key\":\"k\",\"value\":1}").get("error"))
        .hasToString("\"ttl_required\"");
    assertThat(f.callJson("{\"action\":\"setIfAbsent\",\"value\":1,\"ttl\":5}").get("message"))
        .hasToString("\"setIfAbsent needs a string \\\"key\\\"\"");
  }

  @Test
  void incrCountsFromZeroAndKeepsTheCounterForItsTtlFromTheLastIncrement() {
    String incr = "{\"action\":\"incr\",\"key\":\"c\",\"ttl\":1000%s}";
    assertThat(f.call(incr.formatted(""))).isEqualTo("{\"ok\":true,\"value\":1}");
    assertThat(f.call(incr.formatted(",\"delta\":5"))).isEqualTo("{\"ok\":true,\"value\":6}");
    assertThat(f.call(incr.formatted(",\"delta\":-10"))).isEqualTo("{\"ok\":true,\"value\":-4}");
    assertThat(f.callJson("{\"action\":\"get\",\"key\":\"c\"}").get("value").asLong())
        .isEqualTo(-4);
    f.clock.advance(Duration.ofMillis(999));
    assertThat(f.call(incr.formatted(""))).isEqualTo("{\"ok\":true,\"value\":-3}");
    f.clock.advance(Duration.ofMillis(999));
    assertThat(f.call(incr.formatted(""))).as("renewed by the last one").contains("\"value\":-2");
    f.clock.advance(Duration.ofMillis(1000));
    assertThat(f.call(incr.formatted(""))).as("expired: from zero").contains("\"value\":1");
  }

  @Test
  void incrRefusesValuesThatAreNotCountersAndResultsBeyondSafeIntegers() {
    f.call("{\"action\":\"set\",\"key\":\"s\",\"value\":\"12\",\"ttl\":60000}");
    f.call("{\"action\":\"set\",\"key\":\"f\",\"value\":1.5,\"ttl\":60000}");
    f.call("{\"action\":\"set\",\"key\":\"big\",\"value\":9007199254740991,\"ttl\":60000}");
    for (String key : List.of("s", "f")) {
      JsonNode r = f.callJson("{\"action\":\"incr\",\"key\":\"" + key + "\",\"ttl\":60000}");
      assertThat(r.get("error").asText()).isEqualTo("not_a_counter");
      assertThat(r.get("message").asText()).contains("'" + key + "'");
    }
    assertThat(f.callJson("{\"action\":\"incr\",\"key\":\"big\",\"ttl\":60000}").get("error"))
        .hasToString("\"out_of_range\"");
    assertThat(
            f.callJson("{\"action\":\"incr\",\"key\":\"big\",\"ttl\":60000,\"delta\":-1}")
                .get("value")
                .asLong())
        .isEqualTo(9007199254740990L);
    for (String delta : List.of("1.5", "\"1\"", "9007199254740992")) {
      assertThat(
              f.callJson(
                      "{\"action\":\"incr\",\"key\":\"n\",\"ttl\":60000,\"delta\":" + delta + "}")
                  .get("error"))
          .hasToString("\"invalid_delta\"");
    }
  }

  @Test
  void concurrentIncrementsFromManyConnectionsEachGetAnotherNumber() throws Exception {
    Random random = new Random(20_261_207L);
    List<WireClient> clients = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      clients.add(f.client());
    }
    int[] sent = new int[clients.size()];
    for (int round = 0; round < 400; round++) {
      int c = random.nextInt(clients.size()); // pipelined in a seeded random interleaving
      clients.get(c).send("{\"action\":\"incr\",\"key\":\"ids\",\"ttl\":60000}\n");
      sent[c]++;
    }
    Set<Long> seen = new HashSet<>();
    for (int c = 0; c < clients.size(); c++) {
      for (int i = 0; i < sent[c]; i++) {
        assertThat(seen.add(json(clients.get(c).readLine()).get("value").asLong())).isTrue();
      }
    }
    assertThat(seen).hasSize(400).allMatch(v -> v >= 1 && v <= 400);
  }

  // ---- compute ----

  @Test
  void oneCallerComputesAndTheWaitingOnesGetItsValue() throws Exception {
    WireClient a = f.client();
    WireClient b = f.client();
    JsonNode claim = json(a.call(compute("token", 0, "")));
    assertThat(claim.get("compute").asBoolean()).isTrue();
    long token = claim.get("token").asLong();
    b.send(compute("token", 60_000, "").replace("}", ",\"id\":\"b\"}") + "\n");
    awaitWaiting(1);
    assertThat(a.call(computed("token", token, "{\"t\":\"abc\"}")))
        .isEqualTo("{\"ok\":true,\"stored\":true}");
    assertThat(b.readLine())
        .isEqualTo("{\"ok\":true,\"value\":{\"t\":\"abc\"},\"compressed\":false,\"id\":\"b\"}");
    assertThat(f.call(compute("token", 0, ""))).contains("\"value\":{\"t\":\"abc\"}");
  }

  @Test
  void computeFailedHandsTheClaimToTheLongestWaiter() throws Exception {
    WireClient a = f.client();
    WireClient b = f.client();
    WireClient c = f.client();
    long first = json(a.call(compute("k", 0, ""))).get("token").asLong();
    b.send(compute("k", 60_000, "") + "\n");
    awaitComputeWaiters("k", 1);
    c.send(compute("k", 60_000, "") + "\n");
    awaitComputeWaiters("k", 2);
    assertThat(a.call("{\"action\":\"computeFailed\",\"key\":\"k\",\"token\":" + first + "}"))
        .isEqualTo("{\"ok\":true,\"released\":true}");
    JsonNode next = json(b.readLine());
    assertThat(next.get("compute").asBoolean()).isTrue();
    assertThat(next.get("token").asLong()).isGreaterThan(first);
    assertThat(a.call("{\"action\":\"computeFailed\",\"key\":\"k\",\"token\":" + first + "}"))
        .as("an old token releases nothing")
        .isEqualTo("{\"ok\":true,\"released\":false}");
    b.call(computed("k", next.get("token").asLong(), "42"));
    assertThat(json(c.readLine()).get("value").asInt()).isEqualTo(42);
  }

  @Test
  void aClaimBoundToAConnectionPassesOnWhenTheConnectionCloses() throws Exception {
    WireClient a = f.client();
    WireClient b = f.client();
    assertThat(json(a.call(compute("k", 0, ",\"bind\":true"))).get("compute").asBoolean()).isTrue();
    b.send(compute("k", 60_000, "") + "\n");
    awaitWaiting(1);
    a.close(); // the computing process died
    assertThat(json(b.readLine()).get("compute").asBoolean()).isTrue();
  }

  @Test
  void anUnboundClaimEndsWithItsTtlAndItsLateValueIsRefused() throws Exception {
    WireClient a = f.client();
    WireClient b = f.client();
    long old = json(a.call(compute("k", 0, ",\"ttl\":1000"))).get("token").asLong();
    b.send(compute("k", 60_000, "") + "\n");
    awaitWaiting(1);
    f.clock.advance(Duration.ofMillis(999));
    f.sync();
    f.clock.advance(Duration.ofMillis(1));
    JsonNode takeover = json(b.readLine());
    assertThat(takeover.get("compute").asBoolean()).isTrue();
    JsonNode late = json(a.call(computed("k", old, "1")));
    assertThat(late.get("error").asText()).isEqualTo("claim_lost");
    assertThat(late.get("message").asText()).contains("'k'");
    assertThat(b.call(computed("k", takeover.get("token").asLong(), "2")))
        .contains("\"stored\":true");
    assertThat(f.callJson("{\"action\":\"get\",\"key\":\"k\"}").get("value").asInt()).isEqualTo(2);
  }

  @Test
  void aComputeWaitEndsWithComputeTimeoutAndLaterRequestsKeepTheirOrder() throws Exception {
    f.client().call(compute("k", 0, ""));
    WireClient b = f.client();
    b.send(compute("k", 5_000, ",\"id\":9") + "\n{\"action\":\"ping\"}\n");
    awaitWaiting(1);
    f.clock.advance(Duration.ofMillis(5_000));
    JsonNode timeout = json(b.readLine());
    assertThat(timeout.get("error").asText()).isEqualTo("compute_timeout");
    assertThat(timeout.get("message").asText()).contains("'k'").contains("5000 ms");
    assertThat(timeout.get("id").asInt()).isEqualTo(9);
    assertThat(b.readLine()).startsWith("{\"ok\":true,\"pong\":");
    // A shared store hears of the ended wait a little after its answer went out.
    awaitComputeWaiters("k", 0);
    JsonNode now = f.callJson(compute("k", 0, ""));
    assertThat(now.get("error").asText()).as("without a wait").isEqualTo("compute_timeout");
    assertThat(now.get("message").asText())
        .isEqualTo("'k' is being computed by another caller (0 waiting for it)");
  }

  // ---- barrier ----

  @Test
  void aBarrierReleasesAllItsPartiesTogetherWithTheirArrivalIndex() throws Exception {
    List<WireClient> parties = List.of(f.client(), f.client(), f.client());
    for (int i = 0; i < 2; i++) {
      parties.get(i).send(barrier("start", 3, 60_000) + "\n");
      awaitArrived("start", i + 1);
    }
    assertThat(parties.get(2).call(barrier("start", 3, 60_000)))
        .isEqualTo("{\"ok\":true,\"index\":2,\"parties\":3}");
    assertThat(parties.get(0).readLine()).isEqualTo("{\"ok\":true,\"index\":0,\"parties\":3}");
    assertThat(parties.get(1).readLine()).isEqualTo("{\"ok\":true,\"index\":1,\"parties\":3}");
    // The next round starts empty.
    parties.get(1).send(barrier("start", 3, 60_000) + "\n");
    awaitWaiting(1);
    assertThat(json(parties.get(0).call(barrier("start", 2, 60_000))).get("error").asText())
        .isEqualTo("barrier_parties_mismatch");
  }

  /**
   * Two parties waiting at barrier 'b' of 3: the first up to {@code firstWaitMs}, the second a
   * minute. Both connect before the first arrives.
   */
  private WireClient[] twoWaitingAtB(long firstWaitMs) throws IOException {
    WireClient a = f.client();
    WireClient b = f.client();
    a.send(barrier("b", 3, firstWaitMs) + "\n");
    awaitArrived("b", 1);
    b.send(barrier("b", 3, 60_000) + "\n");
    // Both arrivals recorded by the store, not only in flight at the broker: with a shared store a
    // departure could otherwise reach it before b's arrival, and b would wait at a fresh barrier.
    awaitArrived("b", 2);
    return new WireClient[] {a, b};
  }

  @Test
  void aPartyWhoseWaitRunsOutBreaksTheBarrierForTheOthers() throws Exception {
    WireClient[] waiting = twoWaitingAtB(1_000);
    WireClient a = waiting[0];
    WireClient b = waiting[1];
    f.clock.advance(Duration.ofMillis(1_000));
    JsonNode timedOut = json(a.readLine());
    assertThat(timedOut.get("error").asText()).isEqualTo("barrier_timeout");
    assertThat(timedOut.get("message").asText())
        .isEqualTo("only 2 of 3 parties arrived at barrier 'b' within 1000 ms");
    JsonNode broken = json(b.readLine());
    assertThat(broken.get("error").asText()).isEqualTo("barrier_broken");
    assertThat(broken.get("message").asText()).contains("wait ran out");
  }

  @Test
  void aPartyThatGoesAwayBreaksTheBarrierForTheOthers() throws Exception {
    WireClient[] waiting = twoWaitingAtB(60_000);
    WireClient a = waiting[0];
    WireClient b = waiting[1];
    a.close();
    JsonNode broken = json(b.readLine());
    assertThat(broken.get("error").asText()).isEqualTo("barrier_broken");
    assertThat(broken.get("message").asText())
        .isEqualTo(
            "barrier 'b' broke with 2 of 3 parties waiting: a party went away (its connection"
                + " closed)");
  }

  // ---- acquire ----

  @Test
  void aRateLimiterGrantsAtMostItsPermitsPerWindowInArrivalOrder() throws Exception {
    long t0 = f.clock.millis();
    assertThat(f.callJson(acquire("api", 2, 1000, 0)).get("at").asLong()).isEqualTo(t0);
    f.clock.advance(Duration.ofMillis(400));
    assertThat(f.callJson(acquire("api", 2, 1000, 0)).get("at").asLong()).isEqualTo(t0 + 400);
    JsonNode refused = f.callJson(acquire("api", 2, 1000, 0));
    assertThat(refused.get("granted").asBoolean()).isFalse();
    assertThat(refused.get("retryAfter").asLong()).isEqualTo(600);
    WireClient c = f.client();
    WireClient d = f.client();
    c.send(acquire("api", 2, 1000, 60_000) + "\n");
    awaitQueued("api", 2, 1000); // and no jumping the queue
    d.send(acquire("api", 2, 1000, 60_000) + "\n");
    awaitWaiting(2);
    f.clock.advance(Duration.ofMillis(599));
    f.sync();
    f.clock.advance(Duration.ofMillis(1));
    assertThat(json(c.readLine()).get("at").asLong()).isEqualTo(t0 + 1000);
    f.clock.advance(Duration.ofMillis(400));
    assertThat(json(d.readLine()).get("at").asLong()).isEqualTo(t0 + 1400);
  }

  @Test
  void seededArrivalsNeverGetMoreThanThePermitsInAnyWindow() throws Exception {
    Random random = new Random(7_261_207L);
    int permits = 3;
    long per = 1000;
    List<Long> grants = new ArrayList<>();
    List<WireClient> waiting = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      f.clock.advance(Duration.ofMillis(random.nextInt(300)));
      if (random.nextBoolean()) {
        JsonNode r = f.callJson(acquire("seeded", permits, per, 0));
        if (r.get("granted").asBoolean()) {
          grants.add(r.get("at").asLong());
        }
      } else {
        WireClient w = f.client();
        w.send(acquire("seeded", permits, per, 600_000) + "\n"); // granted now or queued
        waiting.add(w);
      }
    }
    for (WireClient w : waiting) {
      while (true) { // its grant comes once the clock has moved far enough
        f.clock.advance(Duration.ofMillis(50));
        f.sync();
        if (w.lineReady()) {
          grants.add(json(w.readLine()).get("at").asLong());
          break;
        }
      }
    }
    grants.sort(null);
    for (int i = 0; i + permits < grants.size(); i++) {
      assertThat(grants.get(i + permits) - grants.get(i))
          .as("%d consecutive grants from %d", permits + 1, i)
          .isGreaterThanOrEqualTo(per);
    }
    assertThat(grants.size()).isGreaterThan(20);
  }

  @Test
  void anAcquireWaitEndsWithAcquireTimeoutAndOtherSettingsAreRefused() throws Exception {
    f.call(acquire("one", 1, 10_000, 0));
    WireClient w = f.client();
    w.send(acquire("one", 1, 10_000, 2_000) + "\n");
    awaitWaiting(1);
    f.clock.advance(Duration.ofMillis(2_000));
    assertThat(json(w.readLine()).get("error").asText()).isEqualTo("acquire_timeout");
    JsonNode mismatch = f.callJson(acquire("one", 2, 10_000, 0));
    assertThat(mismatch.get("error").asText()).isEqualTo("limiter_mismatch");
    assertThat(mismatch.get("message").asText())
        .isEqualTo("rate limiter 'one' allows 1 per 10000 ms, not 2 per 10000 ms");
  }

  // ---- checks and bounds ----

  @Test
  void badMembersAreRefusedWithWhatIsWrong() {
    assertThat(f.callJson(barrier("b", 0, 10)).get("error").asText()).isEqualTo("invalid_parties");
    assertThat(f.callJson("{\"action\":\"barrier\",\"key\":\"b\",\"parties\":2}").get("message"))
        .hasToString("\"wait is required: a whole number of milliseconds from 0 to 86400000\"");
    assertThat(f.callJson(acquire("a", 0, 10, 0)).get("error").asText())
        .isEqualTo("invalid_permits");
    assertThat(f.callJson(acquire("a", 1, 0, 0)).get("error").asText()).isEqualTo("invalid_per");
    assertThat(
            f.callJson("{\"action\":\"computed\",\"key\":\"k\",\"value\":1,\"ttl\":10}")
                .get("error")
                .asText())
        .isEqualTo("invalid_token");
    assertThat(f.callJson(compute("k", -1, "")).get("error").asText()).isEqualTo("invalid_wait");
  }

  @Test
  void waitingRequestsAreBoundedByMaxLeaseWaiters() throws Exception {
    for (int i = 0; i < 16; i++) {
      f.client().send(barrier("many", 100, 60_000) + "\n");
    }
    awaitWaiting(16);
    JsonNode refused = f.callJson(barrier("many", 100, 60_000));
    assertThat(refused.get("error").asText()).isEqualTo("too_many_waiters");
    assertThat(refused.get("message").asText()).contains("16");
  }

  @Test
  void waitingRequestsOfClientsThatWentAwayNoLongerCount() throws Exception {
    List<WireClient> gone = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      WireClient c = f.client();
      // The pong it never reads makes its close a reset: the broker closes the connection at once.
      c.send("{\"action\":\"ping\"}\n" + barrier("gone", 100, 60_000) + "\n");
      gone.add(c);
    }
    awaitWaiting(16);
    for (WireClient c : gone) {
      c.close();
    }
    // Their waits end (with a shared store when the store answers their next poll).
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (coordinationBytes(f) > 0) {
      assertThat(System.nanoTime()).as("the waits of closed connections end").isLessThan(deadline);
    }
    for (int i = 0; i < 16; i++) {
      f.client().send(barrier("again", 100, 60_000) + "\n");
    }
    awaitWaiting(16);
    assertThat(f.callJson(barrier("again", 100, 60_000)).get("error").asText())
        .isEqualTo("too_many_waiters");
  }

  private static long coordinationBytes(BrokerFixture f) {
    return f.callJson("{\"action\":\"stats\"}")
        .get("stats")
        .get("usedMemoryBy")
        .get("coordination")
        .asLong();
  }

  @Test
  void waitingRequestsCountInTheMemoryBudgetAndAreRefusedPastIt() throws Exception {
    try (BrokerFixture small =
        new BrokerFixture(b -> b.maxMemory(MemoryBudgetTest.MIB).maxLeaseWaiters(10_000))) {
      // Each wait counts with its id (here 16 KB), however many may wait by count.
      String id = "i".repeat(16_000);
      List<WireClient> waiting = new ArrayList<>();
      String refused = null;
      while (refused == null) {
        WireClient c = small.client();
        waiting.add(c);
        c.send(barrier("b", 10_000, 60_000).replace("}", ",\"id\":\"" + id + "\"}") + "\n");
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (coordinationBytes(small) < waiting.size() * 16_000L && refused == null) {
          if (c.lineReady()) {
            refused = c.readLine();
          }
          assertThat(System.nanoTime()).as("waits counted").isLessThan(deadline);
        }
        assertThat(waiting.size()).isLessThan(70);
      }
      assertThat(refused)
          .startsWith("{\"ok\":false,\"error\":\"memory_limit\"")
          .contains("waiting needs 16202 bytes"); // 200 and the id with its quotes
      assertThat(waiting.size()).isGreaterThan(5);
      for (WireClient c : waiting) {
        c.close();
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (coordinationBytes(small) > 0) {
        assertThat(System.nanoTime())
            .as("the waits of closed connections end")
            .isLessThan(deadline);
      }
      if (BrokerFixture.store == null) {
        // Rate limiters in memory count their ring of grant times (10,000 permits: 80 KB).
        int made = 0;
        String answer;
        while ((answer = small.call(acquire("l" + made, 10_000, 60_000, 0)))
            .contains("\"granted\":true")) {
          made++;
          assertThat(made).isLessThan(20);
        }
        assertThat(answer).contains("memory_limit").contains("a rate limiter needs");
        assertThat(coordinationBytes(small)).isGreaterThan(made * 80_000L);
        small.clock.advance(Duration.ofMillis(60_000));
        small.sync();
        assertThat(coordinationBytes(small)).as("idle limiters are dropped").isZero();
      }
    }
  }
}
