package io.ephemeral.broker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.ephemeral.broker.BrokerFixture;
import io.ephemeral.broker.EvictionPolicy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Review issue #24: the sweeper scanned the store every 30 s even when there was nothing to do.
 * Here a sweep pops due entries from the expiry heaps, so when nothing is due it costs one look at
 * each heap, whatever the number of live entries; an empty broker's sweep is the same.
 */
class ReviewIssue24IdleSweepTest {
  @Test
  void aSweepWithNothingDueDoesNotDependOnHowMuchIsStored() {
    Metrics metrics = new Metrics(true);
    MemoryStore store = new MemoryStore(0, EvictionPolicy.REJECT, metrics);
    Leases leases = new Leases(metrics);
    long now = 1_000_000;
    int live = 200_000;
    byte[] value = "1".getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < live; i++) {
      byte[] key = ("key-" + i).getBytes(StandardCharsets.US_ASCII);
      store.put(
          store.find(key, 0, key.length, store.hash(key, 0, key.length)),
          key,
          0,
          key.length,
          store.hash(key, 0, key.length),
          value,
          0,
          1,
          1,
          false,
          false,
          3_600_000,
          now);
      leases.acquire("pool-" + (i % 100), "w" + i, 3_600_000, 0, now);
    }
    // A scan per sweep would visit 400,000 entries 20,000 times: minutes, not milliseconds.
    long start = System.nanoTime();
    for (int i = 0; i < 20_000; i++) {
      assertThat(store.sweep(now + i, BrokerServer.SWEEP_BUDGET)).isZero();
      assertThat(leases.sweep(now + i, BrokerServer.SWEEP_BUDGET)).isZero();
    }
    long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(elapsedMillis).as("20,000 idle sweeps over 400,000 live entries").isLessThan(2_000);
    assertThat(store.size()).isEqualTo(live);
    assertThat(leases.size()).isEqualTo(live);
  }

  @Test
  void anEmptyBrokerSweepsWithoutEffectAndKeepsServing() throws Exception {
    try (BrokerFixture f = new BrokerFixture(b -> b.sweeperInterval(Duration.ofMillis(100)))) {
      for (int i = 0; i < 50; i++) {
        f.clock.advance(Duration.ofMillis(100));
        f.sync();
      }
      assertThat(f.callJson("{\"action\":\"metrics\"}").get("metrics").asText())
          .contains("ephemeral_broker_expired_total{type=\"items\"} 0")
          .contains("ephemeral_broker_expired_total{type=\"leases\"} 0");
      assertThat(f.call("{\"action\":\"ping\"}")).startsWith("{\"ok\":true");
    }
  }
}
