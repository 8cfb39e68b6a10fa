package io.ephemeral.broker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.ephemeral.broker.BrokerFixture;
import io.ephemeral.broker.WireClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Review issue #1: the sweeper ignored sweeperInterval and always ran every 30 s. */
class ReviewIssue1SweeperIntervalTest {
  @Test
  void theSweeperRunsAtTheConfiguredInterval() throws Exception {
    try (BrokerFixture f = new BrokerFixture(b -> b.sweeperInterval(Duration.ofSeconds(10)))) {
      f.call("{\"action\":\"set\",\"key\":\"a\",\"value\":1,\"ttl\":1000}");
      f.call("{\"action\":\"set\",\"key\":\"b\",\"value\":1,\"ttl\":1000}");
      f.clock.advance(Duration.ofSeconds(2));
      f.sync();
      // Not swept yet: a read finds the expired entry itself.
      assertThat(f.call("{\"action\":\"get\",\"key\":\"a\"}"))
          .isEqualTo("{\"ok\":false,\"error\":\"expired\"}");
      f.clock.advance(Duration.ofSeconds(8));
      f.sync();
      // The sweep at 10 s removed it: the entry is gone, not merely expired.
      assertThat(f.call("{\"action\":\"get\",\"key\":\"b\"}"))
          .isEqualTo("{\"ok\":false,\"error\":\"not_found\"}");
      assertThat(f.callJson("{\"action\":\"metrics\"}").get("metrics").asText())
          .contains("ephemeral_broker_expired_total{type=\"items\"} 2");
    }
  }

  @Test
  void aShortIntervalSweepsEarly() throws Exception {
    try (BrokerFixture f = new BrokerFixture(b -> b.sweeperInterval(Duration.ofMillis(500)))) {
      f.call("{\"action\":\"set\",\"key\":\"a\",\"value\":1,\"ttl\":100}");
      f.clock.advance(Duration.ofMillis(500));
      f.sync();
      assertThat(f.call("{\"action\":\"get\",\"key\":\"a\"}"))
          .isEqualTo("{\"ok\":false,\"error\":\"not_found\"}");
    }
  }

  @Test
  void aMassExpiryIsSweptInBudgetedSteps() throws Exception {
    try (BrokerFixture f =
        new BrokerFixture(b -> b.maxItems(0).sweeperInterval(Duration.ofSeconds(1)))) {
      WireClient c = f.client();
      StringBuilder batch = new StringBuilder();
      int n = BrokerServer.SWEEP_BUDGET * 2 + 10;
      for (int i = 0; i < n; i++) {
        batch
            .append("{\"action\":\"set\",\"key\":\"k")
            .append(i)
            .append("\",\"value\":1,\"ttl\":10}\n");
      }
      c.send(batch.toString());
      c.readLines(n);
      f.clock.advance(Duration.ofSeconds(1));
      // Three turns are needed (budget, budget, rest); each request below is one more turn.
      for (int i = 0; i < 4; i++) {
        f.sync();
      }
      assertThat(f.callJson("{\"action\":\"metrics\"}").get("metrics").asText())
          .contains("ephemeral_broker_expired_total{type=\"items\"} " + n);
    }
  }
}
