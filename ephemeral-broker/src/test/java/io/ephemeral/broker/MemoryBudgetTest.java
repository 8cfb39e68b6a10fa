package io.ephemeral.broker;

import static io.ephemeral.broker.FrameClient.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * One memory budget ({@code maxMemory}, Redis' {@code maxmemory}) for everything a peer can make
 * the broker hold: values, leases and lease waiters, gateway registrations and calls in flight,
 * unfinished input and unsent output. Past it a write is refused with {@code memory_limit} before
 * anything is copied (or, with LRU eviction, values are evicted by bytes first); reads, deletes,
 * releases and stats keep working.
 */
class MemoryBudgetTest {
  static final int MIB = 1 << 20;

  static String value(int bytes) {
    return "\"" + "v".repeat(bytes - 2) + "\"";
  }

  static String set(String key, String value) {
    return "{\"action\":\"set\",\"key\":\"" + key + "\",\"value\":" + value + ",\"ttl\":600000}";
  }

  static JsonNode memory(BrokerFixture f) {
    return f.callJson("{\"action\":\"stats\"}").get("stats").get("memory");
  }

  @Test
  void aWritePastTheBudgetIsRefusedAndReadsDeletesAndStatsGoOn() throws IOException {
    // Compression off: the values here would shrink to nothing.
    try (BrokerFixture f = new BrokerFixture(b -> b.maxMemory(MIB).compression(false))) {
      int stored = 0;
      String answer;
      while ((answer = f.call(set("k" + stored, value(100_000)))).startsWith("{\"ok\":true")) {
        stored++;
        assertThat(stored).isLessThan(20);
      }
      assertThat(stored).isBetween(5, 10);
      assertThat(answer)
          .startsWith("{\"ok\":false,\"error\":\"memory_limit\"")
          .contains("maxMemory (1048576 bytes)");
      JsonNode memory = memory(f);
      assertThat(memory.get("maxMemory").asLong()).isEqualTo(MIB);
      assertThat(memory.get("usedMemory").asLong()).isBetween(stored * 100_000L, (long) MIB);
      // Overwriting a key with a smaller value needs no room; a larger one does.
      assertThat(f.call(set("k0", value(50_000)))).startsWith("{\"ok\":true");
      // Reads, deletes and stats work past the budget.
      assertThat(f.callJson("{\"action\":\"get\",\"key\":\"k1\"}").get("value").asText())
          .hasSize(100_000 - 2);
      assertThat(f.call("{\"action\":\"list\"}")).contains("\"k1\":");
      assertThat(f.call("{\"action\":\"del\",\"key\":\"k1\"}")).contains("\"deleted\":true");
      assertThat(f.call("{\"action\":\"del\",\"key\":\"k2\"}")).contains("\"deleted\":true");
      assertThat(f.call(set("fits-again", value(100_000)))).startsWith("{\"ok\":true");
      assertThat(
              f.callJson("{\"action\":\"metrics\",\"format\":\"json\"}")
                  .get("metrics")
                  .get("limits")
                  .get("maxMemory")
                  .asInt())
          .isEqualTo(1);
    }
  }

  @Test
  void withLruEvictionTheLeastRecentlyUsedValuesMakeRoom() throws IOException {
    try (BrokerFixture f =
        new BrokerFixture(
            b -> b.maxMemory(MIB).compression(false).evictionPolicy(EvictionPolicy.LRU))) {
      for (int i = 0; i < 30; i++) {
        assertThat(f.call(set("k" + i, value(100_000))))
            .as("write %d", i)
            .startsWith("{\"ok\":true");
        if (i == 3) {
          f.call("{\"action\":\"get\",\"key\":\"k0\"}"); // k0 becomes recently used
        }
      }
      JsonNode stats = f.callJson("{\"action\":\"stats\"}").get("stats");
      assertThat(stats.get("memory").get("usedMemory").asLong()).isLessThanOrEqualTo(MIB);
      assertThat(stats.get("evictions").asLong()).isGreaterThan(15);
      assertThat(f.call("{\"action\":\"get\",\"key\":\"k29\"}")).startsWith("{\"ok\":true");
      assertThat(f.call("{\"action\":\"get\",\"key\":\"k1\"}")).contains("not_found");
      // A value that could not fit even in an empty store evicts nothing.
      long items = stats.get("items").asLong();
      try (BrokerFixture big =
          new BrokerFixture(
              b ->
                  b.maxMemory(MIB)
                      .compression(false)
                      .evictionPolicy(EvictionPolicy.LRU)
                      .maxValueSize(2 * MIB)
                      .maxRequestSize(4 * MIB))) {
        assertThat(big.call(set("small", value(1_000)))).startsWith("{\"ok\":true");
        assertThat(big.call(set("huge", value(MIB + 10)))).contains("memory_limit");
        assertThat(big.call("{\"action\":\"get\",\"key\":\"small\"}")).startsWith("{\"ok\":true");
      }
      assertThat(items).isPositive();
    }
  }

  @Test
  void leasesAndWaitersCountAndWorkerIdsHaveALengthLimit() throws IOException {
    try (BrokerFixture f = new BrokerFixture(b -> b.maxMemory(MIB).maxKeyLength(5_000))) {
      assertThat(
              f.call(
                  "{\"action\":\"lease\",\"key\":\"p\",\"workerId\":\""
                      + "w".repeat(5_001)
                      + "\",\"ttl\":60000}"))
          .startsWith("{\"ok\":false,\"error\":\"too_large\"")
          .contains("maxKeyLength (5000 bytes)");
      String pad = "w".repeat(4_000);
      int granted = 0;
      String answer;
      while ((answer =
              f.call(
                  "{\"action\":\"lease\",\"key\":\"p"
                      + granted
                      + "\",\"workerId\":\""
                      + pad
                      + granted
                      + "\",\"ttl\":60000}"))
          .startsWith("{\"ok\":true")) {
        granted++;
        assertThat(granted).isLessThan(1_000);
      }
      assertThat(answer).startsWith("{\"ok\":false,\"error\":\"memory_limit\"");
      assertThat(granted).isBetween(50, 260);
      JsonNode stats = f.callJson("{\"action\":\"stats\"}").get("stats");
      assertThat(stats.get("leases").asInt()).isEqualTo(granted);
      assertThat(stats.get("memory").get("usedMemory").asLong()).isGreaterThan(granted * 4_000L);
      // A renewal needs no room; a release frees some.
      assertThat(
              f.call(
                  "{\"action\":\"lease\",\"key\":\"p0\",\"workerId\":\""
                      + pad
                      + "0\",\"ttl\":60000}"))
          .startsWith("{\"ok\":true,\"value\":0");
      assertThat(f.call("{\"action\":\"release\",\"workerId\":\"" + pad + "1\"}")).contains("true");
      assertThat(f.call("{\"action\":\"lease\",\"key\":\"x\",\"workerId\":\"x\",\"ttl\":60000}"))
          .startsWith("{\"ok\":true");
      long before = memory(f).get("usedMemory").asLong();
      for (int i = 2; i < granted; i++) {
        f.call("{\"action\":\"release\",\"workerId\":\"" + pad + i + "\"}");
      }
      assertThat(memory(f).get("usedMemory").asLong()).isLessThan(before - (granted - 2) * 4_000L);
    }
  }

  @Test
  void anUnfinishedLineThatCannotBeHeldIsRefusedAndTheConnectionGoesOn() throws IOException {
    // Unfinished lines may hold half the budget, 2 MiB: one line of 600 KB (held in 1 MiB) fits.
    try (BrokerFixture f = new BrokerFixture(b -> b.maxMemory(4 * MIB))) {
      String head = "{\"action\":\"set\",\"key\":\"p\",\"pad\":\"" + "x".repeat(600_000);
      List<WireClient> holders = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        WireClient h = f.client();
        h.send(head);
        holders.add(h);
      }
      WireClient innocent = f.client();
      for (int i = 0; i < 50; i++) {
        assertThat(innocent.call(set("i" + i, "1"))).startsWith("{\"ok\":true");
      }
      int refused = 0;
      for (WireClient h : holders) {
        h.send("\",\"value\":1,\"ttl\":60000}\n{\"action\":\"ping\"}\n");
        String first = h.readLine();
        if (first.startsWith("{\"ok\":false")) {
          assertThat(first).contains("memory_limit").contains("unfinished");
          refused++;
        } else {
          assertThat(first).startsWith("{\"ok\":true");
        }
        assertThat(h.readLine()).startsWith("{\"ok\":true,\"pong\"");
      }
      assertThat(refused).isBetween(1, 3);
    }
  }

  @Test
  void gatewayCallsInFlightCountAndAreRefusedPastTheBudget() throws IOException {
    try (BrokerFixture f = new BrokerFixture(b -> b.maxMemory(2 * MIB));
        FrameClient callee = new FrameClient(f.socket);
        FrameClient caller = new FrameClient(f.socket)) {
      callee.registerAs("callee", "m");
      caller.registerAs("caller");
      // The callee does not read: the calls forwarded to it wait in its output.
      String params = "\"" + "p".repeat(100_000) + "\"";
      long deadline = f.clock.millis() + 60_000;
      JsonNode refusal = null;
      for (int i = 0; i < 40 && refusal == null; i++) {
        caller.sendJson(call("c" + i, "caller", "callee", "m", params, deadline, 2));
        // A probe behind it on the same connection: answered after the call, whatever happened.
        caller.sendJson(call("probe" + i, "caller", "ghost", "m", "{}", deadline, 2));
        JsonNode next = caller.read();
        if (next.get("id").asText().equals("c" + i)) {
          refusal = next;
          next = caller.read();
        }
        assertThat(next.get("id").asText()).isEqualTo("probe" + i);
      }
      assertThat(refusal).as("a call refused past the budget").isNotNull();
      assertThat(refusal.path("error").path("code").asText())
          .as("%s", refusal)
          .isEqualTo("MEMORY_LIMIT");
      assertThat(refusal.get("error").get("message").asText()).contains("maxMemory");
      // Refusals keep it at the budget; answers (this stats one too) may take it a little past.
      assertThat(memory(f).get("usedMemory").asLong()).isLessThan(2L * MIB + 64 * 1024);
    }
  }

  @Test
  void statsHealthAndMetricsReportTheBudget() throws IOException {
    try (BrokerFixture f = new BrokerFixture(b -> b.maxMemory(64L * MIB))) {
      f.call(set("k", value(1_000)));
      JsonNode stats = memory(f);
      assertThat(stats.get("maxMemory").asLong()).isEqualTo(64L * MIB);
      assertThat(stats.get("usedMemory").asLong()).isGreaterThan(1_000);
      JsonNode health = f.callJson("{\"action\":\"health\"}").get("memory");
      assertThat(health.get("maxMemory").asLong()).isEqualTo(64L * MIB);
      assertThat(health.get("usedMemory").asLong()).isGreaterThan(1_000);
      String prometheus = f.callJson("{\"action\":\"metrics\"}").get("metrics").asText();
      assertThat(prometheus)
          .contains("ephemeral_broker_memory_max_bytes " + (64L * MIB))
          .contains("ephemeral_broker_memory_used_bytes{part=\"values\"}")
          .contains("ephemeral_broker_memory_used_bytes{part=\"input\"}");
    }
  }

  @Test
  void theBudgetIsSetInHumanSizesAndDefaultsToAFractionOfTheHeap() throws IOException {
    try (BrokerFixture f = new BrokerFixture(b -> b.maxMemory("512m"))) {
      assertThat(memory(f).get("maxMemory").asLong()).isEqualTo(512L * MIB);
    }
    try (BrokerFixture f =
        new BrokerFixture(b -> b.environment(Map.of("BROKER_MAX_MEMORY", "2G")))) {
      assertThat(memory(f).get("maxMemory").asLong()).isEqualTo(2048L * MIB);
    }
    try (BrokerFixture f = new BrokerFixture()) {
      long max = memory(f).get("maxMemory").asLong();
      assertThat(max).isPositive().isLessThanOrEqualTo(Runtime.getRuntime().maxMemory() / 2);
    }
    assertThatThrownBy(() -> Broker.builder().maxMemory("12x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxMemory")
        .hasMessageContaining("12x");
    assertThatThrownBy(
            () -> Broker.builder().environment(Map.of("BROKER_MAX_MEMORY", "lots")).build())
        .hasMessageContaining("BROKER_MAX_MEMORY");
  }
}
