package io.ephemeral.broker.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.ephemeral.broker.Awaits;
import io.ephemeral.broker.Broker;
import io.ephemeral.broker.BrokerFixture;
import io.ephemeral.broker.FrameClient;
import io.ephemeral.broker.WireClient;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Every limit on what arrives over the wire answers with an error that names it and is counted
 * under its option's name in {@code metrics}; requests right at a limit still pass.
 */
class LimitsTest {

  static long hits(BrokerFixture f, String limit) {
    JsonNode limits =
        f.callJson("{\"action\":\"metrics\",\"format\":\"json\"}").get("metrics").get("limits");
    assertThat(limits.has(limit)).as("limits has %s: %s", limit, limits).isTrue();
    return limits.get(limit).asLong();
  }

  @Test
  void keyLengthIsLimitedInBytes() throws IOException {
    try (BrokerFixture f = new BrokerFixture(b -> b.maxKeyLength(10))) {
      assertThat(f.call("{\"action\":\"set\",\"key\":\"0123456789\",\"value\":1,\"ttl\":1000}"))
          .startsWith("{\"ok\":true");
      String refused =
          f.call("{\"action\":\"set\",\"key\":\"0123456789a\",\"value\":1,\"ttl\":1000}");
      assertThat(refused)
          .startsWith("{\"ok\":false,\"error\":\"too_large\"")
          .contains("maxKeyLength (10 bytes)");
      // Escaped keys count by their decoded UTF-8 bytes: 4 × "é" is 8 bytes, 6 × is 12.
      assertThat(f.call("{\"action\":\"get\",\"key\":\"\\u00e9\\u00e9\\u00e9\\u00e9\"}"))
          .contains("not_found");
      assertThat(
              f.call("{\"action\":\"get\",\"key\":\"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\"}"))
          .contains("maxKeyLength");
      assertThat(
              f.call(
                  "{\"action\":\"lease\",\"key\":\""
                      + "p".repeat(11)
                      + "\",\"workerId\":\"w\",\"ttl\":1000}"))
          .contains("maxKeyLength");
      assertThat(hits(f, "maxKeyLength")).isEqualTo(3);
      assertThat(f.callJson("{\"action\":\"stats\"}").get("stats").get("items").asInt())
          .isEqualTo(1);
    }
  }

  @Test
  void nestingDepthIsLimitedOnBothParsers() throws IOException {
    try (BrokerFixture f = new BrokerFixture(b -> b.maxNestingDepth(8))) {
      // The request object is level 1: seven arrays inside it reach the limit exactly.
      String atLimit =
          "{\"action\":\"set\",\"key\":\"k\",\"value\":"
              + "[".repeat(7)
              + "]".repeat(7)
              + ",\"ttl\":1000}";
      String over =
          "{\"action\":\"set\",\"key\":\"k\",\"value\":"
              + "[".repeat(8)
              + "]".repeat(8)
              + ",\"ttl\":1000}";
      assertThat(f.call(atLimit)).startsWith("{\"ok\":true");
      assertThat(f.call(over))
          .isEqualTo(
              "{\"ok\":false,\"error\":\"invalid_json\","
                  + "\"message\":\"the request nests deeper than maxNestingDepth (8 levels)\"}");
      // Deep nesting in a member nobody reads is refused the same way.
      assertThat(
              f.call(
                  "{\"action\":\"ping\",\"x\":" + "{\"a\":".repeat(8) + "1" + "}".repeat(8) + "}"))
          .contains("maxNestingDepth");
      assertThat(hits(f, "maxNestingDepth")).isEqualTo(2);
    }
    try (BrokerFixture f = new BrokerFixture()) {
      String deep = "{\"action\":\"ping\",\"x\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}";
      assertThat(f.call(deep)).contains("maxNestingDepth (64 levels)");
      assertThat(f.call("{\"action\":\"ping\"}")).startsWith("{\"ok\":true");
    }
  }

  @Test
  void numbersLongerThanAThousandCharactersAreRefused() throws IOException {
    try (BrokerFixture f = new BrokerFixture()) {
      // 100 digits: past the byte scanner's own limit, so Jackson decides; 1000 pass.
      assertThat(f.call("{\"action\":\"ping\",\"n\":" + "7".repeat(100) + "}"))
          .startsWith("{\"ok\":true");
      assertThat(f.call("{\"action\":\"ping\",\"n\":" + "7".repeat(1000) + "}"))
          .startsWith("{\"ok\":true");
      assertThat(f.call("{\"action\":\"ping\",\"n\":" + "7".repeat(1001) + "}"))
          .isEqualTo(
              "{\"ok\":false,\"error\":\"invalid_json\",\"message\":\"a number is longer than maxNumberLength"
                  + " (1000 characters)\"}");
      assertThat(
              f.call(
                  "{\"action\":\"set\",\"key\":\"k\",\"value\":0."
                      + "5".repeat(1001)
                      + ",\"ttl\":1000}"))
          .contains("a number is longer than maxNumberLength (1000 characters)");
      assertThat(hits(f, "maxNumberLength")).isEqualTo(2);
    }
  }

  @Test
  void numberLengthIsConfigurableOnBothParsers() throws IOException {
    try (BrokerFixture f = new BrokerFixture(b -> b.maxNumberLength(10))) {
      // 10 digits pass; 11 digits are short enough for the byte scanner, which must refuse them
      // too.
      assertThat(f.call("{\"action\":\"set\",\"key\":\"k\",\"value\":1234567890,\"ttl\":60000}"))
          .isEqualTo("{\"ok\":true}");
      assertThat(f.call("{\"action\":\"set\",\"key\":\"k\",\"value\":12345678901,\"ttl\":60000}"))
          .contains("\"error\":\"invalid_json\"")
          .contains("maxNumberLength (10 characters)");
      assertThat(f.call("{\"action\":\"set\",\"key\":\"t\",\"value\":1,\"ttl\":60000000000}"))
          .contains("maxNumberLength (10 characters)");
      assertThat(f.call("{\"action\":\"get\",\"key\":\"k\"}")).contains("\"value\":1234567890");
      assertThat(hits(f, "maxNumberLength")).isEqualTo(2);
    }
  }

  @Test
  void stringLengthIsConfigurableOnBothParsers() throws IOException {
    try (BrokerFixture f = new BrokerFixture(b -> b.maxStringLength(100))) {
      String ok = "x".repeat(100);
      String tooLong = "y".repeat(101);
      assertThat(
              f.call("{\"action\":\"set\",\"key\":\"k\",\"value\":\"" + ok + "\",\"ttl\":60000}"))
          .isEqualTo("{\"ok\":true}");
      assertThat(
              f.call(
                  "{\"action\":\"set\",\"key\":\"k\",\"value\":{\"deep\":[\""
                      + tooLong
                      + "\"]},\"ttl\":60000}"))
          .contains("\"error\":\"invalid_json\"")
          .contains("maxStringLength (100 characters)");
      // Escapes count as the characters they stand for: 60 escapes are 60 characters.
      assertThat(
              f.call(
                  "{\"action\":\"set\",\"key\":\"e\",\"value\":\""
                      + "\\n".repeat(60)
                      + "\",\"ttl\":60000}"))
          .isEqualTo("{\"ok\":true}");
      assertThat(f.call("{\"action\":\"get\",\"key\":\"k\"}")).contains(ok);
      assertThat(hits(f, "maxStringLength")).isEqualTo(1);
    }
  }

  @Test
  void memberNamesAreHeldToTheNameLimitOnBothParsers() throws IOException {
    // Names are limited to the smaller of maxStringLength and 50,000 characters. With the default
    // limits plain lines go through the byte scanner and lines with a non-ASCII byte through
    // Jackson: both give the same answer, for top-level and nested names.
    try (BrokerFixture f = new BrokerFixture(b -> b)) {
      String fits = "n".repeat(50_000);
      String tooLong = "m".repeat(50_001);
      for (String nonAscii : new String[] {"", ",\"other\":\"\u00e9\""}) {
        assertThat(f.call("{\"action\":\"ping\",\"" + fits + "\":1" + nonAscii + "}"))
            .startsWith("{\"ok\":true");
        assertThat(f.call("{\"action\":\"ping\",\"" + tooLong + "\":1" + nonAscii + "}"))
            .contains("\"error\":\"invalid_json\"")
            .contains("member name longer than 50000");
        assertThat(
                f.call(
                    "{\"action\":\"set\",\"key\":\"k\",\"value\":{\"a\":[{\""
                        + tooLong
                        + "\":true}]}"
                        + nonAscii
                        + ",\"ttl\":1000}"))
            .contains("\"error\":\"invalid_json\"")
            .contains("member name longer than 50000");
        assertThat(
                f.call(
                    "{\"action\":\"set\",\"key\":\"k\",\"value\":{\""
                        + fits
                        + "\":true}"
                        + nonAscii
                        + ",\"ttl\":1000}"))
            .isEqualTo("{\"ok\":true}");
      }
      assertThat(hits(f, "maxStringLength")).isEqualTo(4);
    }
  }

  @Test
  void requestAndValueSizeKeepTheNodeAnswersAndAreCounted() throws IOException {
    try (BrokerFixture f = new BrokerFixture(b -> b.maxRequestSize(1000).maxValueSize(100))) {
      assertThat(f.call("{\"action\":\"ping\",\"pad\":\"" + "x".repeat(1000) + "\"}"))
          .isEqualTo("{\"ok\":false,\"error\":\"too_large\"}");
      assertThat(
              f.call(
                  "{\"action\":\"set\",\"key\":\"k\",\"value\":\""
                      + "x".repeat(101)
                      + "\",\"ttl\":1000}"))
          .isEqualTo("{\"ok\":false,\"error\":\"too_large\"}");
      assertThat(hits(f, "maxRequestSize")).isEqualTo(1);
      assertThat(hits(f, "maxValueSize")).isEqualTo(1);
    }
  }

  @Test
  void connectionsBeyondTheLimitAreRefusedAndCounted() throws IOException {
    try (BrokerFixture f = new BrokerFixture(b -> b.maxConnections(2))) {
      f.call("{\"action\":\"ping\"}"); // the fixture's main connection
      WireClient second = f.client();
      assertThat(second.call("{\"action\":\"ping\"}")).startsWith("{\"ok\":true");
      WireClient third = f.client();
      assertThat(third.call("{\"action\":\"ping\"}")).contains("too_many_connections");
      assertThat(third.readLine()).isNull();
      assertThat(hits(f, "maxConnections")).isEqualTo(1);
    }
  }

  @Test
  void aClientRefusedAtTheLimitCanStillSendItsRequestAndReadWhy() throws IOException {
    try (BrokerFixture f = new BrokerFixture(b -> b.maxConnections(1))) {
      f.call("{\"action\":\"ping\"}"); // the fixture's main connection takes the only slot
      try (WireClient refused = f.client()) {
        Awaits.until("the refusal", () -> hits(f, "maxConnections") == 1);
        // The broker has answered and half-closed: the client's request still goes out (a socket
        // closed at once would fail this write with EPIPE) and the answer says why.
        refused.send("{\"action\":\"ping\"}\n");
        assertThat(refused.readLine())
            .startsWith("{\"ok\":false,\"error\":\"too_many_connections\"");
        assertThat(refused.readLine()).isNull();
      }
      assertThat(f.call("{\"action\":\"ping\"}")).startsWith("{\"ok\":true");
    }
  }

  @Test
  void refusalsAtTheLimitKeepFewSocketsOpenAndNotForLong() throws IOException {
    int extra = 4;
    int refusals = Admission.MAX_LINGERING_REFUSALS + extra;
    try (BrokerFixture f =
        new BrokerFixture(b -> b.maxConnections(1).stallTimeout(Duration.ofSeconds(1)))) {
      f.call("{\"action\":\"ping\"}");
      java.util.List<WireClient> clients = new java.util.ArrayList<>();
      try {
        for (int i = 1; i <= refusals; i++) {
          clients.add(f.client());
          if (i <= Admission.MAX_LINGERING_REFUSALS) {
            int expected = i;
            Awaits.until("refusal " + i, () -> hits(f, "maxConnections") == expected);
          }
        }
        // Every place for a refusal is taken: the others wait in the backlog, not accepted.
        twoTurns(f);
        assertThat(hits(f, "maxConnections")).isEqualTo(Admission.MAX_LINGERING_REFUSALS);
        // No refused client was cut off to make room: each one's request still goes out (a socket
        // closed under it would fail this write with EPIPE).
        for (WireClient c : clients) {
          c.send("{\"action\":\"ping\"}\n");
        }
        // The first ones are told why; as they leave, the ones in the backlog are accepted and
        // told why in turn.
        for (int i = 0; i < refusals; i++) {
          WireClient c = clients.get(i);
          assertThat(c.readLine())
              .as("refusal %d", i)
              .startsWith("{\"ok\":false,\"error\":\"too_many_connections\"");
          assertThat(c.readLine()).as("refusal %d", i).isNull();
          if (i < Admission.MAX_LINGERING_REFUSALS) {
            c.close();
          }
        }
        assertThat(hits(f, "maxConnections")).isEqualTo(refusals);
        // Those that stay connected are closed once they have lingered.
        f.clock.advance(Duration.ofMillis(Admission.REFUSAL_LINGER_MILLIS + 500));
        twoTurns(f);
        for (WireClient c : clients.subList(Admission.MAX_LINGERING_REFUSALS, refusals)) {
          assertThatThrownBy(() -> c.send("{}\n")).isInstanceOf(IOException.class);
        }
        assertThat(f.call("{\"action\":\"ping\"}")).startsWith("{\"ok\":true");
        assertThat(f.callJson("{\"action\":\"health\"}").get("connections").get("open").asInt())
            .isEqualTo(1);
      } finally {
        for (WireClient c : clients) {
          c.close();
        }
      }
    }
  }

  /**
   * Two round trips on the fixture's own connection (f.sync() would open another one, refused
   * here): the first turn runs what is due, the next select releases what it closed.
   */
  private static void twoTurns(BrokerFixture f) {
    f.call("{\"action\":\"ping\"}");
    f.call("{\"action\":\"ping\"}");
  }

  @Test
  void leaseWaitersAreLimited() throws IOException {
    try (BrokerFixture f = new BrokerFixture(b -> b.maxLeaseWaiters(1))) {
      String lease =
          "{\"action\":\"lease\",\"key\":\"pool\",\"size\":1,\"ttl\":60000,\"wait\":60000,\"workerId\":";
      assertThat(f.call(lease + "\"w0\"}")).startsWith("{\"ok\":true,\"value\":0");
      WireClient waiting = f.client();
      waiting.send(lease + "\"w1\"}\n");
      // The first waiter is parked (no answer yet); health shows it before the second asks.
      Awaits.until(
          "one lease waiter",
          () -> f.callJson("{\"action\":\"stats\"}").get("stats").get("leaseWaiters").asInt() == 1);
      String refused = f.client().call(lease + "\"w2\"}");
      assertThat(refused)
          .startsWith("{\"ok\":false,\"error\":\"pool_exhausted\"")
          .contains("maxLeaseWaiters (1)");
      assertThat(hits(f, "maxLeaseWaiters")).isEqualTo(1);
      assertThat(f.call("{\"action\":\"release\",\"workerId\":\"w0\"}"))
          .contains("\"released\":true");
      assertThat(waiting.readLine()).startsWith("{\"ok\":true,\"value\":0");
    }
  }

  @Test
  void gatewayCallsInFlightPerConnectionAreLimited() throws IOException {
    try (BrokerFixture f = new BrokerFixture(b -> b.maxPendingCallsPerConnection(2));
        FrameClient svc = new FrameClient(f.socket);
        FrameClient caller = new FrameClient(f.socket)) {
      register(svc, caller);
      long deadline = f.clock.millis() + 60_000;
      for (int i = 1; i <= 3; i++) {
        caller.sendJson(FrameClient.call("c" + i, "caller", "svc", "work", "{}", deadline, 1));
      }
      JsonNode refused = caller.read();
      assertThat(refused.get("id").asText()).isEqualTo("c3");
      assertThat(refused.get("status").asText()).isEqualTo("error");
      assertThat(refused.toString()).contains("maxPendingCallsPerConnection = 2");
      assertThat(svc.read().get("id").asText()).isEqualTo("c1");
      assertThat(svc.read().get("id").asText()).isEqualTo("c2");
      assertThat(hits(f, "maxPendingCallsPerConnection")).isEqualTo(1);
    }
  }

  /**
   * ipc-bro's own concurrent test keeps 100,000 calls in flight on one connection (the original
   * gateway has no limit): with the default limit none of them is refused.
   */
  @Test
  void byDefaultAConnectionKeepsAsManyCallsInFlightAsIpcBrosConcurrentTest() throws Exception {
    int calls = 100_000;
    try (BrokerFixture f = new BrokerFixture();
        FrameClient svc = new FrameClient(f.socket);
        FrameClient caller = new FrameClient(f.socket)) {
      register(svc, caller);
      long deadline = f.clock.millis() + 600_000;
      // The service reads its calls as they come, as a client does, and answers none yet; the
      // caller's side reads whatever comes back meanwhile (a refusal would).
      AtomicInteger received = new AtomicInteger();
      AtomicInteger refused = new AtomicInteger();
      AtomicInteger answers = new AtomicInteger();
      count(svc, "\"type\":\"CALL\"", received, null);
      count(caller, "\"status\":\"success\"", answers, refused);
      Thread sender =
          new Thread(
              () ->
                  caller.sendRaw(
                      frames(
                          calls,
                          i ->
                              FrameClient.call(
                                  "c" + i, "caller", "svc", "work", "{}", deadline, 1))));
      sender.setDaemon(true);
      sender.start();
      awaitCount(received, calls);
      assertThat(refused.get()).as("refusals").isZero();
      assertThat(received.get()).as("calls the service received").isEqualTo(calls);
      assertThat(hits(f, "maxPendingCallsPerConnection")).isZero();

      svc.sendRaw(frames(calls, i -> FrameClient.response("c" + i, "svc", "caller", "1")));
      awaitCount(answers, calls);
      assertThat(answers.get()).as("answers").isEqualTo(calls);
    }
  }

  /**
   * Counts, on a daemon thread, the frames {@code c} receives that contain {@code mark} into {@code
   * matching} and the others into {@code other} (null: stop at the first other frame).
   */
  private static void count(
      FrameClient c, String mark, AtomicInteger matching, AtomicInteger other) {
    Thread t =
        new Thread(
            () -> {
              byte[] body;
              while ((body = c.readBody()) != null) {
                if (new String(body, java.nio.charset.StandardCharsets.UTF_8).contains(mark)) {
                  matching.incrementAndGet();
                } else if (other == null) {
                  return;
                } else {
                  other.incrementAndGet();
                }
              }
            },
            "frame-counter");
    t.setDaemon(true);
    t.start();
  }

  /** Waits until {@code count} reaches {@code n} or stops moving for 10 s. */
  private static void awaitCount(AtomicInteger count, int n) throws InterruptedException {
    int last = -1;
    long since = System.nanoTime();
    while (count.get() < n) {
      if (count.get() != last) {
        last = count.get();
        since = System.nanoTime();
      } else if (System.nanoTime() - since > java.util.concurrent.TimeUnit.SECONDS.toNanos(10)) {
        return;
      }
      Thread.sleep(20);
    }
  }

  /** Registers service "svc" (method "work") and service "caller" on the two connections. */
  private static void register(FrameClient svc, FrameClient caller) {
    svc.sendJson(FrameClient.register("svc", "work"));
    assertThat(svc.read().get("type").asText()).isEqualTo("REGISTER_ACK");
    caller.sendJson(FrameClient.register("caller"));
    assertThat(caller.read().get("type").asText()).isEqualTo("REGISTER_ACK");
  }

  private static byte[] frames(int n, java.util.function.IntFunction<String> body) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < n; i++) {
      byte[] b = body.apply(i).getBytes(java.nio.charset.StandardCharsets.UTF_8);
      out.write(b.length >>> 24);
      out.write(b.length >>> 16);
      out.write(b.length >>> 8);
      out.write(b.length);
      out.writeBytes(b);
    }
    return out.toByteArray();
  }

  @Test
  void framesOverTheSizeOrDepthLimitAreRefusedAndCounted() throws IOException {
    try (BrokerFixture f = new BrokerFixture(b -> b.maxFrameSize(4096).maxFrameDepth(16));
        FrameClient c = new FrameClient(f.socket)) {
      c.sendRaw(new byte[] {0, 0, 0x20, 0}); // an 8 KiB frame announced: refused from the header
      c.sendRaw(new byte[8192]);
      JsonNode tooLarge = c.read();
      assertThat(tooLarge.get("type").asText()).isEqualTo("ERROR");
      assertThat(tooLarge.toString()).contains("exceeds the gateway's limit of 4096 bytes");
      c.sendJson("{\"type\":\"HEARTBEAT\",\"x\":" + "[".repeat(16) + "]".repeat(16) + "}");
      c.sendJson("{\"type\":\"HEARTBEAT\",\"x\":" + "[".repeat(15) + "]".repeat(15) + "}");
      c.sendJson("{\"type\":\"NOPE\"}");
      JsonNode tooDeep = c.read();
      assertThat(tooDeep.get("error").get("code").asText()).isEqualTo("DESERIALIZATION_FAILED");
      assertThat(tooDeep.toString()).contains("nests deeper than the gateway's limit of 16 levels");
      // The heartbeat at the limit passed silently; the next answer is the unknown type's.
      assertThat(c.read().toString()).contains("Unknown message type: NOPE");
      assertThat(hits(f, "maxFrameSize")).isEqualTo(1);
      assertThat(hits(f, "maxFrameDepth")).isEqualTo(1);
    }
  }

  @Test
  void everyLimitIsExposedInBothMetricsFormats() throws IOException {
    try (BrokerFixture f = new BrokerFixture()) {
      String text = f.callJson("{\"action\":\"metrics\"}").get("metrics").asText();
      JsonNode json =
          f.callJson("{\"action\":\"metrics\",\"format\":\"json\"}").get("metrics").get("limits");
      for (Limit l : Limit.values()) {
        assertThat(text)
            .contains("ephemeral_broker_limit_rejections_total{limit=\"" + l.label + "\"} 0\n");
        assertThat(json.get(l.label).asLong()).isZero();
      }
    }
  }

  @Test
  void optionsComeFromTheBuilderOrTheEnvironmentAndAreValidated() {
    Map<String, String> env =
        Map.ofEntries(
            Map.entry("BROKER_MAX_KEY_LENGTH", "100"), Map.entry("BROKER_MAX_NESTING_DEPTH", "10"),
            Map.entry("BROKER_MAX_FRAME_DEPTH", "20"), Map.entry("BROKER_MAX_LEASE_WAITERS", "0"),
            Map.entry("BROKER_MAX_OUTPUT_BUFFER", "1000000"),
                Map.entry("BROKER_STALL_TIMEOUT", "5000"),
            Map.entry("BROKER_CONNECTION_IDLE_TIMEOUT", "60000"),
                Map.entry("BROKER_REPLAY_WINDOW", "10000"),
            Map.entry("BROKER_REPLAY_CACHE_SIZE", "50"), Map.entry("BROKER_SECRET", "s"),
            Map.entry("BROKER_MAX_FRAME_SIZE", "100000"),
                Map.entry("BROKER_MAX_PENDING_CALLS", "7"));
    BrokerConfig c = BrokerConfig.resolve(Broker.builder().environment(env));
    assertThat(c.maxKeyLength()).isEqualTo(100);
    assertThat(c.maxNestingDepth()).isEqualTo(10);
    assertThat(c.maxFrameDepth()).isEqualTo(20);
    assertThat(c.maxLeaseWaiters()).isZero();
    assertThat(c.maxOutputBuffer()).isEqualTo(1_000_000);
    assertThat(c.stallTimeoutMillis()).isEqualTo(5000);
    assertThat(c.connectionIdleTimeoutMillis()).isEqualTo(60_000);
    assertThat(c.replayWindowMillis()).isEqualTo(10_000);
    assertThat(c.replayCacheSize()).isEqualTo(50);
    assertThat(c.maxFrameSize()).isEqualTo(100_000);
    assertThat(c.maxPendingCallsPerConnection()).isEqualTo(7);
    BrokerConfig explicit =
        BrokerConfig.resolve(Broker.builder().environment(env).maxKeyLength(5).maxNestingDepth(3));
    assertThat(explicit.maxKeyLength()).isEqualTo(5);
    assertThat(explicit.maxNestingDepth()).isEqualTo(3);

    BrokerConfig defaults = BrokerConfig.resolve(Broker.builder().environment(Map.of()));
    assertThat(defaults.maxKeyLength()).isEqualTo(4096);
    assertThat(defaults.maxNestingDepth()).isEqualTo(64);
    assertThat(defaults.maxFrameDepth()).isEqualTo(256);
    assertThat(defaults.maxOutputBuffer()).isEqualTo(64 << 20);
    assertThat(defaults.stallTimeoutMillis()).isEqualTo(30_000);
    assertThat(defaults.connectionIdleTimeoutMillis()).isZero();
    assertThat(defaults.replayWindowMillis()).isZero();

    assertThat(defaults.maxNumberLength()).isEqualTo(1000);
    assertThat(defaults.maxStringLength()).isEqualTo(20_000_000);
    BrokerConfig lengths =
        BrokerConfig.resolve(
            Broker.builder()
                .environment(
                    Map.of("BROKER_MAX_NUMBER_LENGTH", "30", "BROKER_MAX_STRING_LENGTH", "4000")));
    assertThat(lengths.maxNumberLength()).isEqualTo(30);
    assertThat(lengths.maxStringLength()).isEqualTo(4000);
    assertThatThrownBy(() -> Broker.builder().environment(Map.of()).maxNumberLength(0).build())
        .hasMessageContaining("maxNumberLength must be from 1 to 100000");
    assertThatThrownBy(() -> Broker.builder().environment(Map.of()).maxStringLength(0).build())
        .hasMessageContaining("maxStringLength must be positive");
    assertThatThrownBy(() -> Broker.builder().environment(Map.of()).maxNestingDepth(1).build())
        .hasMessageContaining("maxNestingDepth must be from 2 to 1000");
    assertThatThrownBy(() -> Broker.builder().environment(Map.of()).maxFrameDepth(5000).build())
        .hasMessageContaining("maxFrameDepth");
    assertThatThrownBy(() -> Broker.builder().environment(Map.of()).maxOutputBuffer(1000).build())
        .hasMessageContaining("maxOutputBuffer must be at least 65536");
    assertThatThrownBy(
            () -> Broker.builder().environment(Map.of("BROKER_STALL_TIMEOUT", "soon")).build())
        .hasMessageContaining("BROKER_STALL_TIMEOUT");
    assertThatThrownBy(() -> Broker.builder().environment(Map.of()).stallTimeout(Duration.ZERO))
        .hasMessageContaining("stallTimeout must be positive");
  }
}
