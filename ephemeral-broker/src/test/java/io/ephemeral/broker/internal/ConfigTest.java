package io.ephemeral.broker.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ephemeral.broker.Broker;
import io.ephemeral.broker.BrokerFixture;
import io.ephemeral.broker.BrokerOption;
import io.ephemeral.broker.EvictionPolicy;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** BROKER_* environment fallbacks: explicit options win, bad values are clear errors. */
class ConfigTest {
  private static BrokerConfig resolve(Broker.Builder b) {
    return BrokerConfig.resolve(b);
  }

  @Test
  void defaultsAreTheDocumentedOnes() {
    BrokerConfig c = resolve(Broker.builder().environment(Map.of()));
    assertThat(c.requireTtl()).isTrue();
    assertThat(c.defaultTtlMillis()).isEqualTo(1_800_000);
    assertThat(c.maxItems()).isEqualTo(10_000);
    assertThat(c.maxRequestSize()).isEqualTo(1_048_576);
    assertThat(c.maxValueSize()).isEqualTo(262_144);
    assertThat(c.sweeperIntervalMillis()).isEqualTo(30_000);
    assertThat(c.compression()).isTrue();
    assertThat(c.compressionThreshold()).isEqualTo(1024);
    assertThat(c.metrics()).isTrue();
    assertThat(c.refreshTtlOnGet()).isFalse();
    assertThat(c.idleTimeoutMillis()).isZero();
    assertThat(c.heartbeatIntervalMillis()).isZero();
    assertThat(c.logLevel()).isEqualTo(BrokerConfig.LogLevel.INFO);
    assertThat(c.evictionPolicy()).isEqualTo(EvictionPolicy.REJECT);
    assertThat(c.secret()).isNull();
  }

  @Test
  void everyBrokerVariableIsRead() {
    Map<String, String> env =
        Map.ofEntries(
            Map.entry("BROKER_DEFAULT_TTL", "5000"),
            Map.entry("BROKER_DEBUG", "1"),
            Map.entry("BROKER_MAX_REQUEST_SIZE", "4096"),
            Map.entry("BROKER_MAX_VALUE_SIZE", "1000"),
            Map.entry("BROKER_MAX_ITEMS", "0"),
            Map.entry("BROKER_SECRET", "from-env"),
            Map.entry("BROKER_REQUIRE_TTL", "false"),
            Map.entry("BROKER_REFRESH_TTL_ON_GET", "true"),
            Map.entry("BROKER_IDLE_TIMEOUT", "60000"),
            Map.entry("BROKER_HEARTBEAT_INTERVAL", "10000"),
            Map.entry("BROKER_LOG_LEVEL", "warn"),
            Map.entry("BROKER_STRUCTURED_LOGGING", "true"),
            Map.entry("BROKER_COMPRESSION", "false"),
            Map.entry("BROKER_COMPRESSION_THRESHOLD", "2048"),
            Map.entry("BROKER_SWEEPER_INTERVAL", "1000"),
            Map.entry("BROKER_METRICS", "0"),
            Map.entry("BROKER_EVICTION_POLICY", "lru"));
    BrokerConfig c = resolve(Broker.builder().environment(env));
    assertThat(c.defaultTtlMillis()).isEqualTo(5000);
    assertThat(c.debug()).isTrue();
    assertThat(c.maxRequestSize()).isEqualTo(4096);
    assertThat(c.maxValueSize()).isEqualTo(1000);
    assertThat(c.maxItems()).isZero();
    assertThat(c.secret()).isEqualTo("from-env");
    assertThat(c.requireTtl()).isFalse();
    assertThat(c.refreshTtlOnGet()).isTrue();
    assertThat(c.idleTimeoutMillis()).isEqualTo(60_000);
    assertThat(c.heartbeatIntervalMillis()).isEqualTo(10_000);
    assertThat(c.logLevel()).isEqualTo(BrokerConfig.LogLevel.WARN);
    assertThat(c.structuredLogging()).isTrue();
    assertThat(c.compression()).isFalse();
    assertThat(c.compressionThreshold()).isEqualTo(2048);
    assertThat(c.sweeperIntervalMillis()).isEqualTo(1000);
    assertThat(c.metrics()).isFalse();
    assertThat(c.evictionPolicy()).isEqualTo(EvictionPolicy.LRU);
  }

  @Test
  void explicitOptionsWinOverTheEnvironment() {
    Map<String, String> env =
        Map.of(
            "BROKER_MAX_ITEMS",
            "7",
            "BROKER_SECRET",
            "env",
            "BROKER_REQUIRE_TTL",
            "false",
            "BROKER_DEFAULT_TTL",
            "10");
    BrokerConfig c =
        resolve(
            Broker.builder()
                .environment(env)
                .maxItems(3)
                .secret("explicit")
                .requireTtl(true)
                .defaultTtl(Duration.ofSeconds(9)));
    assertThat(c.maxItems()).isEqualTo(3);
    assertThat(c.secret()).isEqualTo("explicit");
    assertThat(c.requireTtl()).isTrue();
    assertThat(c.defaultTtlMillis()).isEqualTo(9000);
  }

  @Test
  void unparsableValuesAreClearStartupErrors() {
    assertThatThrownBy(
            () -> resolve(Broker.builder().environment(Map.of("BROKER_MAX_ITEMS", "5abc"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("BROKER_MAX_ITEMS")
        .hasMessageContaining("5abc");
    assertThatThrownBy(() -> resolve(Broker.builder().environment(Map.of("BROKER_DEBUG", "maybe"))))
        .hasMessageContaining("BROKER_DEBUG");
    assertThatThrownBy(
            () -> resolve(Broker.builder().environment(Map.of("BROKER_DEFAULT_TTL", "-5"))))
        .hasMessageContaining("BROKER_DEFAULT_TTL");
    assertThatThrownBy(
            () -> resolve(Broker.builder().environment(Map.of("BROKER_LOG_LEVEL", "loud"))))
        .hasMessageContaining("loud");
    assertThatThrownBy(
            () -> resolve(Broker.builder().environment(Map.of("BROKER_EVICTION_POLICY", "random"))))
        .hasMessageContaining("random");
    assertThatThrownBy(() -> Broker.builder().environment(Map.of()).maxItems(-1).build())
        .hasMessageContaining("maxItems");
    assertThatThrownBy(() -> Broker.builder().environment(Map.of()).maxRequestSize(10).build())
        .hasMessageContaining("maxRequestSize");
    assertThatThrownBy(() -> Broker.builder().environment(Map.of()).pipeId("../escape").build())
        .hasMessageContaining("pipeId");
    assertThatThrownBy(() -> Broker.builder().sweeperInterval(Duration.ZERO))
        .hasMessageContaining("sweeperInterval");
  }

  @Test
  void busyPollIsBoundedAndCanBeTurnedOff() {
    assertThat(resolve(Broker.builder().environment(Map.of())).busyPollMicros())
        .isEqualTo(BrokerOption.BUSY_POLL_MICROS.defaultValue())
        .isEqualTo(50);
    assertThat(
            resolve(Broker.builder().environment(Map.of("BROKER_BUSY_POLL_MICROS", "0")))
                .busyPollMicros())
        .isZero();
    assertThat(
            resolve(
                    Broker.builder()
                        .environment(Map.of("BROKER_BUSY_POLL_MICROS", "0"))
                        .busyPollMicros(20))
                .busyPollMicros())
        .isEqualTo(20);
    assertThatThrownBy(
            () -> resolve(Broker.builder().environment(Map.of("BROKER_BUSY_POLL_MICROS", "soon"))))
        .hasMessageContaining("BROKER_BUSY_POLL_MICROS");
    assertThatThrownBy(() -> Broker.builder().environment(Map.of()).busyPollMicros(-1).build())
        .hasMessageContaining("busyPollMicros");
    assertThatThrownBy(() -> Broker.builder().environment(Map.of()).busyPollMicros(10_001).build())
        .hasMessageContaining("busyPollMicros");
  }

  @Test
  void debugImpliesTheDebugLogLevel() {
    assertThat(resolve(Broker.builder().environment(Map.of()).debug(true)).logLevel())
        .isEqualTo(BrokerConfig.LogLevel.DEBUG);
  }

  @Test
  void theSecretNeverAppearsInTheConfigsText() {
    assertThat(resolve(Broker.builder().environment(Map.of()).secret("hunter2")).toString())
        .doesNotContain("hunter2");
  }

  @Test
  void environmentSettingsReallyTakeEffect() throws Exception {
    try (BrokerFixture f =
        new BrokerFixture(
            b ->
                b.environment(
                    Map.of(
                        "BROKER_MAX_ITEMS",
                        "2",
                        "BROKER_REQUIRE_TTL",
                        "0",
                        "BROKER_DEFAULT_TTL",
                        "5000")))) {
      long now = f.clock.millis();
      assertThat(f.call("{\"action\":\"set\",\"key\":\"a\",\"value\":1}"))
          .isEqualTo("{\"ok\":true}");
      assertThat(f.callJson("{\"action\":\"list\"}").get("items").get("a").get("expires").asLong())
          .isEqualTo(now + 5000);
      f.call("{\"action\":\"set\",\"key\":\"b\",\"value\":1}");
      assertThat(f.call("{\"action\":\"set\",\"key\":\"c\",\"value\":1}"))
          .isEqualTo("{\"ok\":false,\"error\":\"max_items\"}");
    }
  }
}
