package io.ephemeral.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import io.ephemeral.broker.Broker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Every method against a real broker over a real socket. */
class BrokerClientTest extends WithBrokerAndClient {
  record Person(String name, int age, List<String> tags) {}

  private static final Duration MINUTE = Duration.ofMinutes(1);

  @Override
  void options(Broker.Builder builder) {
    builder.maxItems(100);
  }

  @Test
  void typedValueRoundTripWithClass() {
    Person alice = new Person("Alice", 42, List.of("admin", "ops"));
    client.set("person", alice, MINUTE);
    assertThat(client.get("person", Person.class)).isEqualTo(alice);
    client.set("n", 12.5, MINUTE);
    assertThat(client.get("n", Double.class)).isEqualTo(12.5);
    client.set("s", "plain string", MINUTE);
    assertThat(client.get("s", String.class)).isEqualTo("plain string");
    client.set("b", true, MINUTE);
    assertThat(client.get("b", Boolean.class)).isTrue();
  }

  @Test
  void typedValueRoundTripWithTypeReference() {
    List<Person> people = List.of(new Person("A", 1, List.of()), new Person("B", 2, List.of("x")));
    client.set("people", people, MINUTE);
    assertThat(client.get("people", new TypeReference<List<Person>>() {})).isEqualTo(people);
    Map<String, Integer> counts = Map.of("a", 1, "b", 2);
    client.set("counts", counts, MINUTE);
    assertThat(client.get("counts", new TypeReference<Map<String, Integer>>() {}))
        .isEqualTo(counts);
  }

  @Test
  void nullValueRoundTrips() {
    client.set("nothing", null, MINUTE);
    assertThat(client.get("nothing", String.class)).isNull();
    assertThat(client.getRaw("nothing")).isEqualTo("null");
  }

  @Test
  void rawJsonRoundTrip() {
    client.setRaw("raw", "{\"a\":[1,2.5,\"x\"],\"b\":{\"c\":null}}", MINUTE);
    assertThat(client.getRaw("raw")).isEqualTo("{\"a\":[1,2.5,\"x\"],\"b\":{\"c\":null}}");
    assertThat(client.get("raw", new TypeReference<Map<String, Object>>() {}))
        .containsEntry("b", java.util.Collections.singletonMap("c", null));
    client.set("typed", new Person("Bob", 7, List.of()), MINUTE);
    assertThat(client.getRaw("typed")).isEqualTo("{\"name\":\"Bob\",\"age\":7,\"tags\":[]}");
  }

  @Test
  void unicodeKeysAndValues() {
    String key = "k\u00e9y-\uD83D\uDD25-\u2028-\"quoted\"\\";
    String value = "v\u00e4lue \uD83D\uDE00 \u2029 line\nbreak \u0001";
    client.set(key, value, MINUTE);
    assertThat(client.get(key, String.class)).isEqualTo(value);
    assertThat(client.list()).containsKey(key);
    assertThat(client.del(key)).isTrue();
  }

  @Test
  void delRemovesAndReportsWhetherTheKeyExisted() {
    client.set("gone", 1, MINUTE);
    assertThat(client.del("gone")).isTrue();
    assertThatThrownBy(() -> client.get("gone", Integer.class))
        .isInstanceOf(NotFoundException.class);
    assertThat(client.del("gone")).as("this broker says whether the key existed").isFalse();
  }

  @Test
  void listReportsExpiryOnTheBrokerClock() {
    client.set("a", 1, Duration.ofSeconds(10));
    client.set("b", 2, MINUTE);
    Map<String, KeyInfo> keys = client.list();
    assertThat(keys)
        .containsEntry("a", new KeyInfo(broker.clock.millis() + 10_000, true))
        .containsEntry("b", new KeyInfo(broker.clock.millis() + 60_000, true))
        .hasSize(2);
  }

  @Test
  void pingReturnsTheBrokerClock() {
    assertThat(client.ping()).isEqualTo(broker.clock.millis());
  }

  @Test
  void statsHealthMetrics() {
    client.set("a", 1, MINUTE);
    client.set("b", 2, MINUTE);
    client.lease("pool", "w1", MINUTE);
    BrokerStats stats = client.stats();
    assertThat(stats.items()).isEqualTo(2);
    assertThat(stats.leases()).isEqualTo(1);
    assertThat(stats.capacity().items()).isEqualTo(2);
    assertThat(stats.capacity().maxItems()).isEqualTo(100);
    assertThat(stats.capacity().utilization()).isEqualTo(0.02);
    assertThat(stats.capacity().warning()).isNull();
    assertThat(stats.memory().approximateStoreBytes()).isPositive();

    BrokerHealth health = client.health();
    assertThat(health.healthy()).isTrue();
    assertThat(health.status()).isEqualTo("healthy");
    assertThat(health.timestamp()).isEqualTo(broker.clock.millis());
    assertThat(health.capacity().maxItems()).isEqualTo(100);
    assertThat(health.connections().inFlight()).isGreaterThanOrEqualTo(1);
    assertThat(health.connections().draining()).isFalse();

    String metrics = client.metrics();
    assertThat(metrics)
        .contains("# TYPE ephemeral_broker_requests_total counter")
        .contains("ephemeral_broker_operations_total{action=\"set\",result=\"success\"} 2");
  }

  @Test
  void leaseAndRelease() {
    assertThat(client.lease("pool", "w1", MINUTE)).isEqualTo(0);
    assertThat(client.lease("pool", "w2", MINUTE)).isEqualTo(1);
    assertThat(client.lease("pool", "w1", MINUTE)).as("renewal keeps the number").isEqualTo(0);
    assertThat(client.lease("other", "w3")).as("default ttl").isEqualTo(0);
    assertThatThrownBy(() -> client.lease("other", "w1", MINUTE))
        .isInstanceOfSatisfying(
            BrokerException.class, e -> assertThat(e.code()).isEqualTo("worker_already_has_lease"))
        .hasMessageContaining("other")
        .hasMessageContaining("w1");
    assertThat(client.release("w1")).isTrue();
    assertThat(client.release("w1")).isFalse();
    assertThat(client.lease("pool", "w4", MINUTE)).as("lowest free number").isEqualTo(0);
  }

  @Test
  void leaseExpiresOnTheBrokerClock() {
    assertThat(client.lease("pool", "w1", Duration.ofSeconds(5))).isEqualTo(0);
    broker.clock.advance(Duration.ofSeconds(6));
    assertThat(client.lease("pool", "w2", MINUTE)).isEqualTo(0);
  }

  @Test
  void asyncVariants() throws Exception {
    client.setAsync("a", new Person("A", 1, List.of()), MINUTE).get(5, TimeUnit.SECONDS);
    client.setRawAsync("r", "[1,2]", MINUTE).get(5, TimeUnit.SECONDS);
    assertThat(client.getAsync("a", Person.class).get(5, TimeUnit.SECONDS).name()).isEqualTo("A");
    assertThat(client.getAsync("r", new TypeReference<List<Integer>>() {}).get(5, TimeUnit.SECONDS))
        .containsExactly(1, 2);
    assertThat(client.getRawAsync("r").get(5, TimeUnit.SECONDS)).isEqualTo("[1,2]");
    assertThat(client.listAsync().get(5, TimeUnit.SECONDS)).containsKeys("a", "r");
    assertThat(client.pingAsync().get(5, TimeUnit.SECONDS)).isEqualTo(broker.clock.millis());
    assertThat(client.statsAsync().get(5, TimeUnit.SECONDS).items()).isEqualTo(2);
    assertThat(client.healthAsync().get(5, TimeUnit.SECONDS).healthy()).isTrue();
    assertThat(client.metricsAsync().get(5, TimeUnit.SECONDS)).contains("ephemeral_broker");
    assertThat(client.leaseAsync("p", "w", MINUTE).get(5, TimeUnit.SECONDS)).isZero();
    assertThat(client.leaseAsync("p", "w").get(5, TimeUnit.SECONDS)).isZero();
    assertThat(client.releaseAsync("w").get(5, TimeUnit.SECONDS)).isTrue();
    assertThat(client.delAsync("a").get(5, TimeUnit.SECONDS)).isTrue();
    assertThat(client.getAsync("a", Person.class))
        .failsWithin(5, TimeUnit.SECONDS)
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .withCauseInstanceOf(NotFoundException.class);
  }

  @Test
  void setWithoutTtlNeedsAllowNoTtl() {
    assertThatThrownBy(() -> client.set("k", 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "TTL is required for set(). Pass a ttl value or set allowNoTtl: true in client "
                + "options.");
    assertThatThrownBy(() -> client.setAsync("k", 1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void setWithoutTtlUsesTheBrokerDefaultWhenAllowed() throws Exception {
    try (BrokerFixture lenient =
            BrokerFixture.start(b -> b.requireTtl(false).defaultTtl(Duration.ofMinutes(30)));
        BrokerClient c = lenient.client().allowNoTtl(true).build()) {
      c.set("k", "v");
      assertThat(c.get("k", String.class)).isEqualTo("v");
      assertThat(c.list().get("k").expires()).isEqualTo(lenient.clock.millis() + 1_800_000);
    }
  }

  @Test
  void argumentErrorsUseTheNodeWordings() {
    assertThatThrownBy(() -> client.lease(null, "w", MINUTE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Key is required for lease()");
    assertThatThrownBy(() -> client.lease("", "w")).hasMessage("Key is required for lease()");
    assertThatThrownBy(() -> client.lease("k", null, MINUTE))
        .hasMessage("Worker ID is required for lease()");
    assertThatThrownBy(() -> client.leaseAsync("k", ""))
        .hasMessage("Worker ID is required for lease()");
    assertThatThrownBy(() -> client.release(null))
        .hasMessage("Worker ID is required for release()");
    assertThatThrownBy(() -> client.releaseAsync(""))
        .hasMessage("Worker ID is required for release()");
    assertThatThrownBy(() -> client.get(null, String.class))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void ttlMustBeAtLeastOneMillisecond() {
    for (Duration bad : List.of(Duration.ZERO, Duration.ofMillis(-5), Duration.ofNanos(999_999))) {
      assertThatThrownBy(() -> client.set("k", 1, bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("at least 1 ms");
      assertThatThrownBy(() -> client.lease("k", "w", bad))
          .isInstanceOf(IllegalArgumentException.class);
    }
    client.set("k", 1, Duration.ofMillis(1));
    assertThat(client.list()).containsKey("k");
  }

  @Test
  void setRawRejectsInvalidJson() {
    for (String bad : List.of("", "{", "1 2", "{'a':1}", "undefined")) {
      assertThatThrownBy(() -> client.setRaw("k", bad, MINUTE))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("\"k\"");
    }
  }

  @Test
  void closeStopsTheClientsThreads() throws Exception {
    BrokerClient c = broker.client().build();
    c.set("k", 1, MINUTE);
    String prefix = c.threadNamePrefix() + "-";
    java.util.List<Thread> mine =
        Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.getName().startsWith(prefix))
            .toList();
    assertThat(mine)
        .extracting(Thread::getName)
        .anyMatch(n -> n.endsWith("-reader"))
        .anyMatch(n -> n.endsWith("-writer"))
        .anyMatch(n -> n.endsWith("-timer"));
    c.close();
    for (Thread t : mine) {
      t.join(5_000);
      assertThat(t.isAlive()).as("%s still alive after close()", t.getName()).isFalse();
    }
  }

  @Test
  void closedClientRefusesCalls() {
    client.close();
    client.close();
    assertThatThrownBy(() -> client.ping()).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> client.pingAsync()).isInstanceOf(IllegalStateException.class);
  }
}
