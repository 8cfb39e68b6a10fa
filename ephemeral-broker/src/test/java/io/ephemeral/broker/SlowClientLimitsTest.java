package io.ephemeral.broker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Clients that do not read, read slowly, stall half-way through a request or sit idle cost only
 * their own connection: the broker closes them (or stops reading them) with bounded memory, and
 * keeps serving everyone else. Real sockets; timeouts run on the injected clock.
 */
class SlowClientLimitsTest {
  private static final String GET_BIG = "{\"action\":\"get\",\"key\":\"big\"}\n";

  /** A limit's counter, read over a fresh connection (the fixture's own may be the one closed). */
  private static long hits(BrokerFixture f, String limit) throws IOException {
    try (WireClient c = new WireClient(f.socket)) {
      return BrokerFixture.JSON
          .readTree(c.call("{\"action\":\"metrics\",\"format\":\"json\"}"))
          .get("metrics")
          .get("limits")
          .get(limit)
          .asLong();
    }
  }

  private static void storeBig(BrokerFixture f, int chars) {
    assertThat(
            f.call(
                "{\"action\":\"set\",\"key\":\"big\",\"value\":\""
                    + "z".repeat(chars)
                    + "\",\"ttl\":600000}"))
        .startsWith("{\"ok\":true");
  }

  /**
   * Reads response lines until the broker's close shows: end of stream, or a reset (closing a
   * socket with unread requests in it resets the connection). Returns how many lines came.
   */
  private static int readUntilClosed(WireClient c, int atMost) {
    int n = 0;
    try {
      while (c.readLine() != null) {
        n++;
        assertThat(n).as("responses before the broker closed the connection").isLessThan(atMost);
      }
    } catch (IOException reset) {
      assertThat(reset).hasMessageContaining("reset");
    }
    return n;
  }

  @Test
  void aClientThatNeverReadsIsClosedOnceItsUnsentOutputPassesTheLimit() throws Exception {
    try (BrokerFixture f =
        new BrokerFixture(
            b -> b.maxOutputBuffer(256 * 1024).maxValueSize(200_000).compression(false))) {
      storeBig(f, 100_000);
      WireClient greedy = f.client();
      byte[] gets = GET_BIG.repeat(1000).getBytes(StandardCharsets.US_ASCII);
      try {
        greedy.sendUntilRefused(gets, 64L * 1024 * 1024); // asks for up to 200 GB of answers
      } catch (IOException closedWhileWriting) {
        // expected: the broker may close the connection while the client still writes
      }
      Awaits.until(
          "the output limit to close the greedy client",
          () -> {
            try {
              return hits(f, "maxOutputBuffer") == 1;
            } catch (IOException e) {
              throw new AssertionError(e);
            }
          });
      for (int i = 0; i < 50; i++) {
        try (WireClient other = new WireClient(f.socket)) {
          assertThat(other.call("{\"action\":\"ping\"}")).startsWith("{\"ok\":true");
        }
      }
      // What the kernel buffered before the close still arrives; then the stream ends.
      readUntilClosed(greedy, 50);
      long heap =
          f.callJson("{\"action\":\"stats\"}").get("stats").get("memory").get("heapUsed").asLong();
      assertThat(heap).isLessThan(512L * 1024 * 1024);
    }
  }

  @Test
  void aSlowReaderCannotMakeTheBrokerHoldItsRequests() throws Exception {
    try (BrokerFixture f = new BrokerFixture(b -> b.maxValueSize(200_000).compression(false))) {
      storeBig(f, 100_000);
      WireClient slow = f.client();
      byte[] gets = GET_BIG.repeat(2000).getBytes(StandardCharsets.US_ASCII);
      long written = 0;
      int read = 0;
      for (int round = 0; round < 150; round++) {
        written += slow.sendUntilRefused(gets, 1 << 20);
        assertThat(slow.readLine()).startsWith("{\"ok\":true,\"value\":\"zzz");
        read++;
        // Requests accepted beyond those answered: the kernel's socket buffers plus at most
        // about two read buffers held by the broker, however long this goes on. (Before the
        // fix the broker kept reading, about 64 KiB more per answer the client took.)
        long outstanding = written - (long) read * GET_BIG.length();
        assertThat(outstanding)
            .as("request bytes accepted but not answered, round %d", round)
            .isLessThan(2L * 1024 * 1024);
      }
      assertThat(f.client().call("{\"action\":\"ping\"}")).startsWith("{\"ok\":true");
    }
  }

  @Test
  void aClientWhoseOutputDoesNotMoveIsClosedAfterTheStallTimeout() throws Exception {
    try (BrokerFixture f =
        new BrokerFixture(
            b -> b.stallTimeout(Duration.ofSeconds(1)).maxValueSize(200_000).compression(false))) {
      storeBig(f, 100_000);
      WireClient greedy = f.client();
      greedy.send(GET_BIG.repeat(300)); // 30 MB of answers wanted; about a megabyte gets queued
      // In flight: the health request itself, plus the greedy client's answers once queued.
      Awaits.until(
          "the broker to queue the answers",
          () ->
              f.callJson("{\"action\":\"health\"}").get("connections").get("inFlight").asInt() > 1);
      f.clock.advance(Duration.ofMillis(999));
      f.sync();
      assertThat(hits(f, "stallTimeout")).isZero();
      f.clock.advance(Duration.ofMillis(300));
      f.sync();
      assertThat(hits(f, "stallTimeout")).isEqualTo(1);
      readUntilClosed(greedy, 300);
      assertThat(f.call("{\"action\":\"ping\"}")).startsWith("{\"ok\":true");
    }
  }

  @Test
  void aHalfSentRequestIsClosedAfterTheStallTimeoutWithoutAffectingOthers() throws Exception {
    try (BrokerFixture f = new BrokerFixture(b -> b.stallTimeout(Duration.ofSeconds(1)))) {
      WireClient stalled = f.client();
      WireClient finishes = f.client();
      WireClient idle = f.client();
      // A complete request ahead of the partial one proves the broker has read both.
      stalled.send("{\"action\":\"ping\"}\n{\"action\":\"get\",\"key\":");
      finishes.send("{\"action\":\"ping\"}\n{\"action\":\"get\",");
      assertThat(stalled.readLine()).startsWith("{\"ok\":true,\"pong\"");
      assertThat(finishes.readLine()).startsWith("{\"ok\":true,\"pong\"");
      assertThat(idle.call("{\"action\":\"ping\"}")).startsWith("{\"ok\":true");
      f.clock.advance(Duration.ofMillis(600));
      assertThat(finishes.call("\"key\":\"k\"}")).contains("not_found");
      f.clock.advance(Duration.ofMillis(700));
      f.sync();
      assertThat(stalled.readLine()).isNull();
      assertThat(hits(f, "stallTimeout")).isEqualTo(1);
      // Neither a finished request nor a connection without one is a stall.
      f.clock.advance(Duration.ofSeconds(5));
      f.sync();
      assertThat(finishes.call("{\"action\":\"ping\"}")).startsWith("{\"ok\":true");
      assertThat(idle.call("{\"action\":\"ping\"}")).startsWith("{\"ok\":true");
    }
  }

  @Test
  void idleConnectionsAreClosedOnlyWhenConfigured() throws Exception {
    try (BrokerFixture f = new BrokerFixture(b -> b.connectionIdleTimeout(Duration.ofSeconds(1)))) {
      WireClient quiet = f.client();
      WireClient busy = f.client();
      assertThat(quiet.call("{\"action\":\"ping\"}")).startsWith("{\"ok\":true");
      assertThat(busy.call("{\"action\":\"ping\"}")).startsWith("{\"ok\":true");
      f.clock.advance(Duration.ofMillis(600));
      assertThat(busy.call("{\"action\":\"ping\"}")).startsWith("{\"ok\":true");
      f.clock.advance(Duration.ofMillis(700));
      f.sync();
      assertThat(quiet.readLine()).isNull();
      assertThat(busy.call("{\"action\":\"ping\"}")).startsWith("{\"ok\":true");
      assertThat(hits(f, "connectionIdleTimeout")).isEqualTo(1);
    }
    try (BrokerFixture f = new BrokerFixture()) {
      WireClient quiet = f.client();
      assertThat(quiet.call("{\"action\":\"ping\"}")).startsWith("{\"ok\":true");
      f.clock.advance(Duration.ofHours(1));
      f.sync();
      assertThat(quiet.call("{\"action\":\"ping\"}")).startsWith("{\"ok\":true");
    }
  }

  @Test
  void aGatewayCallerThatDoesNotReadItsResponsesIsClosedAndTheServiceCarriesOn() throws Exception {
    try (BrokerFixture f = new BrokerFixture(b -> b.maxOutputBuffer(256 * 1024));
        FrameClient service = new FrameClient(f.socket);
        FrameClient caller = new FrameClient(f.socket)) {
      service.sendJson(FrameClient.register("svc", "big"));
      assertThat(service.read().get("type").asText()).isEqualTo("REGISTER_ACK");
      caller.sendJson(FrameClient.register("caller")); // and never reads again
      String data = "\"" + "d".repeat(100_000) + "\"";
      long deadline = f.clock.millis() + 60_000;
      for (int i = 0; i < 8; i++) {
        caller.sendJson(FrameClient.call("c" + i, "caller", "svc", "big", "{}", deadline, 1));
      }
      for (int i = 0; i < 8; i++) {
        assertThat(service.read().get("id").asText()).isEqualTo("c" + i);
      }
      // 800 KB of responses for a caller that reads none of them.
      for (int i = 0; i < 8; i++) {
        service.sendJson(FrameClient.response("c" + i, "svc", "caller", data));
      }
      Awaits.until(
          "the output limit to close the caller",
          () -> {
            try {
              return hits(f, "maxOutputBuffer") == 1;
            } catch (IOException e) {
              throw new AssertionError(e);
            }
          });
      JsonNode services = f.callJson("{\"action\":\"services\"}");
      assertThat(services.get("services").findValuesAsText("name")).containsExactly("svc");
      service.sendJson("{\"type\":\"NOPE\"}");
      // The caller's calls still pending when it was closed are cancelled at the service first.
      JsonNode next = service.read();
      while (next.get("type").asText().equals("CANCEL")) {
        assertThat(next.get("from").asText()).isEqualTo("caller");
        assertThat(next.get("id").asText()).matches("c[0-7]");
        next = service.read();
      }
      assertThat(next.toString()).contains("Unknown message type: NOPE");
    }
  }
}
