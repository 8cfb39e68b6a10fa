package io.ephemeral.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Review issue #3: calling start() again stacked another set of signal handlers. Here a second
 * start is refused, the shutdown hook is installed once per run and removed by stop().
 */
class ReviewIssue3StartTwiceTest {
  private static Broker.Builder quiet() {
    return Broker.builder().environment(Map.of()).shutdownHook(false);
  }

  @Test
  void startTwiceIsRefusedAndStopStartCycles() throws Exception {
    try (Broker broker = quiet().build()) {
      Path first = broker.start();
      assertThatThrownBy(broker::start)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("already started");
      broker.stop();
      Path second = broker.start();
      assertThat(second).isNotEqualTo(first);
      try (WireClient c = new WireClient(second)) {
        assertThat(c.call("{\"action\":\"ping\"}")).startsWith("{\"ok\":true");
      }
    }
  }

  @Test
  void theShutdownHookIsInstalledOnceAndRemovedByStop() throws Exception {
    Broker broker = Broker.builder().environment(Map.of()).build();
    broker.start();
    Thread hook = broker.shutdownHook();
    assertThat(hook).isNotNull();
    // The JVM knows the hook: removing it succeeds (then put it back).
    assertThat(Runtime.getRuntime().removeShutdownHook(hook)).isTrue();
    Runtime.getRuntime().addShutdownHook(hook);
    assertThatThrownBy(broker::start).isInstanceOf(IllegalStateException.class);
    broker.stop();
    assertThat(Runtime.getRuntime().removeShutdownHook(hook)).as("removed by stop").isFalse();
    assertThat(broker.shutdownHook()).isNull();
  }
}
