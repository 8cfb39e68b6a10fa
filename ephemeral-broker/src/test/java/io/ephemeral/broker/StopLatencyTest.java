package io.ephemeral.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A broker stops at once whenever it is asked, also when the request to stop arrives while the loop
 * busy-polls after a request: the poll used to take the selector's wake-up for itself, and the loop
 * then slept until its next timer (the connection check, seconds away).
 *
 * <p>The next timer is put 150 s away (stallTimeout / 4), so a lost wake-up shows as a stop of
 * minutes, never as one a busy machine made slow; each stop must take well under a second. The 200
 * ms figure is checked on the broker's own clock, with real signals ({@code
 * SignalStopLatencyTest}).
 */
class StopLatencyTest {

  /**
   * The longest busy-poll window, so that a stop nearly always lands inside one, and the next timer
   * minutes away.
   */
  private static Broker quietBroker() {
    return Broker.builder()
        .environment(Map.of())
        .shutdownHook(false)
        .busyPollMicros(10_000)
        .stallTimeout(Duration.ofMinutes(10))
        .build();
  }

  @Test
  void aStopDuringTheBusyPollWindowIsNotLost() throws IOException {
    for (int round = 0; round < 20; round++) {
      Broker broker = quietBroker();
      try (WireClient c = new WireClient(broker.start())) {
        assertThat(c.call("{\"action\":\"ping\"}")).startsWith("{\"ok\":true");
        long started = System.nanoTime();
        broker.stop();
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertThat(took).as("stop() in round %d", round).isLessThan(Duration.ofSeconds(1));
      } finally {
        broker.stop();
      }
    }
  }

  @Test
  void aDrainAndStopOfAnIdleBrokerTakesMilliseconds() throws IOException {
    // What a SIGTERM does: drain (a few round trips through the loop's task queue), then stop.
    for (int round = 0; round < 20; round++) {
      Broker broker = quietBroker();
      broker.start();
      try {
        long started = System.nanoTime();
        assertThat(broker.drain(Duration.ofSeconds(5))).isTrue();
        broker.stop();
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertThat(took).as("drain and stop in round %d", round).isLessThan(Duration.ofSeconds(1));
      } finally {
        broker.stop();
      }
    }
  }
}
