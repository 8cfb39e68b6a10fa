package io.ephemeral.broker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.ephemeral.broker.Broker;
import io.ephemeral.broker.BrokerFixture;
import io.ephemeral.broker.Gateway;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Review issue #28: metrics.reset() was public API, so production code could wipe the counters.
 * Here the counters cannot be reset at all while a broker runs: Metrics is package-private with no
 * reset, no public class offers one, and no action does; counters only grow.
 */
class ReviewIssue28MetricsResetTest {
  @Test
  void nothingPublicResetsTheCounters() {
    assertThat(Modifier.isPublic(Metrics.class.getModifiers())).isFalse();
    assertThat(Metrics.class.getDeclaredMethods())
        .extracting(Method::getName)
        .noneMatch(
            n ->
                n.toLowerCase(Locale.ROOT).contains("reset")
                    || n.toLowerCase(Locale.ROOT).contains("clear"));
    for (Class<?> api :
        List.of(Broker.class, Broker.Builder.class, Gateway.class, Gateway.Builder.class)) {
      for (Method m : api.getMethods()) {
        assertThat(m.getName().toLowerCase(Locale.ROOT))
            .as(api.getSimpleName() + "." + m.getName())
            .doesNotContain("reset");
      }
    }
  }

  @Test
  void noActionResetsThemAndReadingThemChangesNothing() throws Exception {
    try (BrokerFixture f = new BrokerFixture()) {
      f.call("{\"action\":\"set\",\"key\":\"k\",\"value\":1,\"ttl\":1000}");
      for (String action :
          List.of("reset", "resetMetrics", "metrics_reset", "metricsReset", "reset_metrics")) {
        assertThat(f.call("{\"action\":\"" + action + "\"}"))
            .as(action)
            .isEqualTo("{\"ok\":false,\"error\":\"unknown_action\"}");
      }
      assertThat(f.call("{\"action\":\"metrics\",\"reset\":true}"))
          .contains("action=\\\"set\\\",result=\\\"success\\\"} 1\\n");
      assertThat(f.call("{\"action\":\"metrics\"}"))
          .contains("action=\\\"set\\\",result=\\\"success\\\"} 1\\n");
    }
  }
}
