package io.ephemeral.broker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ephemeral.broker.BrokerFixture;
import org.junit.jupiter.api.Test;

/**
 * Every request is counted; the latency histogram gets a uniform sample of each action's requests.
 */
class LatencySamplingTest {

  @Test
  void everySixteenthCallIsTimedStartingWithTheFirst() {
    LatencyStats s = new LatencyStats();
    int timed = 0;
    for (int i = 0; i < 100; i++) {
      if (s.sampleNext()) {
        timed++;
        s.record(1_000, i % 10 == 0);
      } else {
        s.count(i % 10 == 0);
      }
    }
    assertThat(timed).isEqualTo(7); // calls 1, 17, 33, 49, 65, 81, 97
    assertThat(s.timed()).isEqualTo(7);
    assertThat(s.calls).isEqualTo(100);
    assertThat(s.errors).isEqualTo(10);
    assertThat(s.percentileNanos(50)).isBetween(990L, 1010L);
  }

  @Test
  void statsWithoutLatenciesReadAsZeroAndAddToOthers() {
    LatencyStats untimed = new LatencyStats();
    untimed.count(true);
    assertThat(untimed.timed()).isZero();
    assertThat(untimed.percentileNanos(99)).isZero();

    LatencyStats all = new LatencyStats();
    all.add(untimed);
    assertThat(all.calls).isEqualTo(1);
    assertThat(all.errors).isEqualTo(1);
    assertThat(all.percentileNanos(50)).isZero();

    LatencyStats timed = new LatencyStats();
    timed.record(2_000, false);
    all.add(timed);
    assertThat(all.calls).isEqualTo(2);
    assertThat(all.timed()).isEqualTo(1);
    assertThat(all.percentileNanos(50)).isBetween(1_990L, 2_010L);
  }

  @Test
  void countsStayExactOverTheSocket() throws Exception {
    try (BrokerFixture f = new BrokerFixture()) {
      f.call("{\"action\":\"set\",\"key\":\"k\",\"value\":1,\"ttl\":60000}");
      for (int i = 0; i < 50; i++) {
        f.call("{\"action\":\"get\",\"key\":\"" + (i % 5 == 0 ? "missing" : "k") + "\"}");
      }
      JsonNode get =
          f.callJson("{\"action\":\"metrics\",\"format\":\"json\"}")
              .get("metrics")
              .get("actions")
              .get("get");
      assertThat(get.get("requests").asInt()).isEqualTo(50);
      assertThat(get.get("errors").asInt()).isEqualTo(10);
      // The first get is always timed (and, cold, takes well over the microsecond shown).
      assertThat(get.get("latency").get("p999").asDouble()).isPositive();
    }
  }
}
