package io.ephemeral.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ephemeral.broker.ManualClock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A client that opts in signs a timestamp and a fresh nonce into every request, which a broker with
 * replay protection requires; the default client speaks the plain Node protocol.
 */
class ReplayProtectionClientTest {
  private static final Duration MINUTE = Duration.ofMinutes(1);

  @Test
  void anOptedInClientWorksAgainstAProtectedBroker() throws Exception {
    // The broker's clock must agree with the client's, which stamps requests with real time.
    ManualClock now = new ManualClock(System.currentTimeMillis());
    try (BrokerFixture broker =
            BrokerFixture.start(b -> b.secret("s").replayProtection(MINUTE).clock(now));
        BrokerClient client = broker.client().secret("s").replayProtection(true).build();
        BrokerClient plain = broker.client().secret("s").build()) {
      client.set("k", "v", MINUTE);
      for (int i = 0; i < 20; i++) { // the same request again and again: a fresh nonce each time
        assertThat(client.get("k", String.class)).isEqualTo("v");
      }
      assertThat(client.lease("pool", "w1", MINUTE, 1, Duration.ZERO).slot()).isZero();
      // A lease that waits runs on its own connection, signed the same way; it is accepted
      // (it waits) and times out on the broker's clock.
      CompletableFuture<Lease> waiting =
          CompletableFuture.supplyAsync(
              () -> client.lease("pool", "w2", MINUTE, 1, Duration.ofMillis(100)));
      while (!waiting.isDone()) {
        now.advance(Duration.ofMillis(20));
        Thread.sleep(5);
      }
      assertThatThrownBy(waiting::join)
          .hasCauseInstanceOf(BrokerException.class)
          .cause()
          .satisfies(e -> assertThat(((BrokerException) e).code()).isEqualTo("lease_timeout"));
      assertThat(client.release("w1")).isTrue();
      assertThatThrownBy(() -> plain.get("k", String.class))
          .isInstanceOfSatisfying(
              BrokerException.class, e -> assertThat(e.code()).isEqualTo("replay_fields_required"));
    }
  }

  @Test
  void optingInNeedsASecret() {
    assertThatThrownBy(
            () ->
                BrokerFixture.clientOf(java.nio.file.Path.of("/nonexistent.sock"))
                    .replayProtection(true)
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("replayProtection needs a secret");
  }
}
