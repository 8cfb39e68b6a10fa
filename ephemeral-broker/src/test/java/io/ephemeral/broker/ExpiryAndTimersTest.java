package io.ephemeral.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** TTL, sliding expiry, sweeping and idle timeout, driven by a manual clock (no sleeps). */
class ExpiryAndTimersTest {

  @Test
  void refreshTtlOnGetSlidesByTheKeysOriginalTtl() throws Exception {
    try (BrokerFixture f = new BrokerFixture(b -> b.refreshTtlOnGet(true))) {
      long start = f.clock.millis();
      f.call("{\"action\":\"set\",\"key\":\"k\",\"value\":1,\"ttl\":1000}");
      for (int i = 1; i <= 5; i++) {
        f.clock.advance(Duration.ofMillis(800));
        assertThat(f.call("{\"action\":\"get\",\"key\":\"k\"}"))
            .as("read %d", i)
            .startsWith("{\"ok\":true");
        // The window stays the original 1000 ms (the Node broker let it grow with every read).
        assertThat(
                f.callJson("{\"action\":\"list\"}").get("items").get("k").get("expires").asLong())
            .isEqualTo(start + 800L * i + 1000);
      }
      f.clock.advance(Duration.ofMillis(1000));
      assertThat(f.call("{\"action\":\"get\",\"key\":\"k\"}"))
          .isEqualTo("{\"ok\":false,\"error\":\"expired\"}");
    }
  }

  @Test
  void withoutRefreshAGetDoesNotExtendTheTtl() throws Exception {
    try (BrokerFixture f = new BrokerFixture()) {
      f.call("{\"action\":\"set\",\"key\":\"k\",\"value\":1,\"ttl\":1000}");
      f.clock.advance(Duration.ofMillis(800));
      f.call("{\"action\":\"get\",\"key\":\"k\"}");
      f.clock.advance(Duration.ofMillis(200));
      assertThat(f.call("{\"action\":\"get\",\"key\":\"k\"}"))
          .isEqualTo("{\"ok\":false,\"error\":\"expired\"}");
    }
  }

  @Test
  void statsAndListNeverCountExpiredItemsOrLeases() throws Exception {
    try (BrokerFixture f = new BrokerFixture()) {
      for (int i = 0; i < 100; i++) {
        f.call(
            "{\"action\":\"set\",\"key\":\"k"
                + i
                + "\",\"value\":1,\"ttl\":"
                + (i < 60 ? 100 : 10_000)
                + "}");
        f.call(
            "{\"action\":\"lease\",\"key\":\"pool\",\"workerId\":\"w"
                + i
                + "\",\"ttl\":"
                + (i < 30 ? 100 : 10_000)
                + "}");
      }
      f.clock.advance(Duration.ofMillis(100));
      assertThat(f.callJson("{\"action\":\"stats\"}").get("stats").get("items").asInt())
          .isEqualTo(40);
      assertThat(f.callJson("{\"action\":\"stats\"}").get("stats").get("leases").asInt())
          .isEqualTo(70);
      assertThat(f.callJson("{\"action\":\"list\"}").get("items").size()).isEqualTo(40);
    }
  }

  @Test
  void idleTimeoutStopsTheBrokerAfterTheLastRequest() throws Exception {
    try (BrokerFixture f = new BrokerFixture(b -> b.idleTimeout(Duration.ofSeconds(5)))) {
      f.clock.advance(Duration.ofSeconds(4));
      f.call(
          "{\"action\":\"ping\"}"); // activity at 4 s: the first check (due at 5 s) must not stop
      f.clock.advance(Duration.ofMillis(4900));
      assertThat(f.broker.awaitStop(Duration.ofMillis(300)))
          .as("4.9 s after the last request")
          .isFalse();
      f.clock.advance(Duration.ofMillis(100));
      assertThat(f.broker.awaitStop(Duration.ofSeconds(10)))
          .as("5 s after the last request")
          .isTrue();
      assertThat(f.socket).doesNotExist();
    }
  }

  @Test
  void expiredLeasesAreSweptOnSchedule() throws Exception {
    try (BrokerFixture f = new BrokerFixture(b -> b.sweeperInterval(Duration.ofSeconds(5)))) {
      f.call("{\"action\":\"lease\",\"key\":\"p\",\"workerId\":\"w\",\"ttl\":1000}");
      f.clock.advance(Duration.ofSeconds(5));
      f.sync();
      assertThat(f.callJson("{\"action\":\"metrics\"}").get("metrics").asText())
          .contains("ephemeral_broker_expired_total{type=\"leases\"} 1");
    }
  }

  @Test
  void aKeyOverwrittenWithALongerTtlOutlivesItsOldDeadline() throws Exception {
    try (BrokerFixture f = new BrokerFixture()) {
      f.call("{\"action\":\"set\",\"key\":\"longer\",\"value\":1,\"ttl\":1000}");
      f.call("{\"action\":\"set\",\"key\":\"longer\",\"value\":2,\"ttl\":5000}");
      f.call("{\"action\":\"set\",\"key\":\"shorter\",\"value\":1,\"ttl\":5000}");
      f.call("{\"action\":\"set\",\"key\":\"shorter\",\"value\":2,\"ttl\":1000}");
      f.clock.advance(Duration.ofSeconds(1));
      // Counting purges what is due: only the key whose ttl was shortened.
      assertThat(f.callJson("{\"action\":\"stats\"}").get("stats").get("items").asInt())
          .isEqualTo(1);
      assertThat(f.call("{\"action\":\"get\",\"key\":\"longer\"}"))
          .isEqualTo("{\"ok\":true,\"value\":2,\"compressed\":false}");
      f.clock.advance(Duration.ofMillis(3999));
      assertThat(f.callJson("{\"action\":\"stats\"}").get("stats").get("items").asInt())
          .isEqualTo(1);
      f.clock.advance(Duration.ofMillis(1));
      assertThat(f.callJson("{\"action\":\"stats\"}").get("stats").get("items").asInt()).isZero();
    }
  }
}
