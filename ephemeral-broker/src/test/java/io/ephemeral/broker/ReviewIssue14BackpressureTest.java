package io.ephemeral.broker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Review issue #14: a client could make the broker buffer without bound. Over-long lines are
 * refused before they end (see also TransportTest) and a client that does not read its answers is
 * simply not read any further, while everyone else is served.
 */
class ReviewIssue14BackpressureTest {
  @Test
  void aClientThatDoesNotReadCannotStallOthers() throws Exception {
    try (BrokerFixture f = new BrokerFixture(b -> b.maxValueSize(200_000).compression(false))) {
      WireClient writer = f.client();
      writer.call(
          "{\"action\":\"set\",\"key\":\"big\",\"value\":\""
              + "z".repeat(150_000)
              + "\",\"ttl\":60000}");
      WireClient greedy = f.client();
      byte[] gets =
          "{\"action\":\"get\",\"key\":\"big\"}\n"
              .repeat(1000)
              .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      // Ask for up to 600 GB of answers without reading any: the broker stops reading this
      // client once a megabyte of answers waits, so the writes are refused long before.
      long written = greedy.sendUntilRefused(gets, 20L * 1024 * 1024);
      assertThat(written).isLessThan(20L * 1024 * 1024);
      for (int i = 0; i < 100; i++) {
        assertThat(f.client().call("{\"action\":\"ping\"}")).startsWith("{\"ok\":true");
      }
      // The broker holds at most about a megabyte of unsent answers for the greedy client: what
      // it holds for clients is counted (usedMemory), unlike the test JVM's whole heap, which
      // also holds other tests' garbage.
      JsonNode memory = f.callJson("{\"action\":\"stats\"}").get("stats").get("memory");
      assertThat(memory.get("usedMemory").asLong()).isLessThan(8L * 1024 * 1024);
      greedy.close();
      f.clock.advance(Duration.ofMillis(1));
      assertThat(writer.call("{\"action\":\"ping\"}")).startsWith("{\"ok\":true");
    }
  }

  @Test
  void anOverlongLineIsDiscardedWithoutBufferingIt() throws Exception {
    try (BrokerFixture f = new BrokerFixture(b -> b.maxRequestSize(4096))) {
      WireClient c = f.client();
      c.send("{\"action\":\"set\",\"key\":\"k\",\"value\":\"");
      byte[] chunk = "a".repeat(64 * 1024).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      c.send(chunk);
      assertThat(c.readLine()).isEqualTo("{\"ok\":false,\"error\":\"too_large\"}");
      for (int i = 0; i < 1000; i++) { // 64 MB more of the same line
        c.send(chunk);
      }
      c.send("\"}\n{\"action\":\"ping\"}\n");
      assertThat(c.readLine()).startsWith("{\"ok\":true,\"pong\"");
    }
  }
}
