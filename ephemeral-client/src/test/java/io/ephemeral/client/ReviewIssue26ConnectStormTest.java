package io.ephemeral.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Review issue #26: a client hammered a broker that was down. Here retries are bounded by each
 * call's timeout, and concurrent calls share connect attempts: at most one per 25 ms.
 */
class ReviewIssue26ConnectStormTest {
  @Test
  void manyWaitingCallsShareConnectAttempts() throws Exception {
    Path dir = Files.createTempDirectory("ebs-");
    try (BrokerClient client =
        BrokerFixture.clientOf(dir.resolve("down.sock"))
            .timeout(Duration.ofMillis(1_000))
            .build()) {
      List<CompletableFuture<Long>> calls = new ArrayList<>();
      for (int i = 0; i < 500; i++) {
        calls.add(client.pingAsync());
      }
      for (CompletableFuture<Long> call : calls) {
        assertThat(call)
            .failsWithin(5, TimeUnit.SECONDS)
            .withThrowableThat()
            .havingCause()
            .isInstanceOfSatisfying(
                BrokerConnectionException.class, e -> assertThat(e.code()).isEqualTo("ENOENT"));
      }
      // Without sharing: 500 calls x ~6 attempts each. With it: about 1 s / 25 ms.
      assertThat(client.connectAttempts()).isLessThan(100);
    } finally {
      Files.delete(dir);
    }
  }

  @Test
  void sharingDoesNotDelayRecovery() throws Exception {
    try (BrokerFixture f = BrokerFixture.create(b -> {});
        BrokerClient client = f.client().timeout(Duration.ofSeconds(10)).build()) {
      List<CompletableFuture<Long>> calls = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        calls.add(client.pingAsync());
      }
      f.startBroker();
      for (CompletableFuture<Long> call : calls) {
        assertThat(call.get(10, TimeUnit.SECONDS)).isEqualTo(f.clock.millis());
      }
    }
  }
}
