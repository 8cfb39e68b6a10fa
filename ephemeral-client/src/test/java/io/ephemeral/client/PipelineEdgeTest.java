package io.ephemeral.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Broker behaviours that only matter to a client that pipelines on one connection. */
class PipelineEdgeTest {
  private static final Duration MINUTE = Duration.ofMinutes(1);

  @Test
  void oversizedRequestAmongPipelinedOnesKeepsRepliesAligned() throws Exception {
    try (BrokerFixture f = BrokerFixture.start(b -> b.maxRequestSize(10_000));
        BrokerClient c = f.client().compression(false).timeout(Duration.ofSeconds(20)).build()) {
      for (int i = 0; i < 20; i++) {
        c.set("k" + i, "v" + i, MINUTE);
      }
      for (int round = 0; round < 20; round++) {
        List<CompletableFuture<String>> gets = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
          gets.add(c.getAsync("k" + i, String.class));
        }
        CompletableFuture<Void> huge = c.setAsync("huge", "x".repeat(20_000), MINUTE);
        for (int i = 10; i < 20; i++) {
          gets.add(c.getAsync("k" + i, String.class));
        }
        for (int i = 0; i < 20; i++) {
          assertThat(gets.get(i).get(20, TimeUnit.SECONDS))
              .as("round %d get k%d", round, i)
              .isEqualTo("v" + i);
        }
        assertThat(huge)
            .failsWithin(20, TimeUnit.SECONDS)
            .withThrowableOfType(ExecutionException.class)
            .withCauseInstanceOf(TooLargeException.class);
      }
    }
  }

  @Test
  void drainingBrokerRefusesNewConnections() throws Exception {
    try (BrokerFixture f = BrokerFixture.start();
        BrokerClient c = f.client().timeout(Duration.ofMillis(1_000)).build()) {
      f.broker().drain(Duration.ofMillis(1));
      // Usually the draining answer meets the request in flight (a BrokerException, not retried,
      // as in the Node client); if it arrives before the request was written, the connection is
      // dropped and retried, and the failure still says why.
      Throwable t = org.assertj.core.api.Assertions.catchThrowable(c::ping);
      assertThat(t)
          .isInstanceOfAny(BrokerException.class, BrokerConnectionException.class)
          .hasMessageContaining("draining");
    }
  }
}
