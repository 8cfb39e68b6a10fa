package io.ephemeral.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Review issue #23: the Node client threw some errors synchronously and rejected others. Here the
 * rule is simple: configuration errors come from build(); argument errors are thrown by the method
 * itself, async or not, before anything is sent; everything that depends on the broker comes
 * through the result (thrown by blocking methods, a failed future from async ones).
 */
class ReviewIssue23ErrorReportingTest {
  @Test
  void configurationErrorsComeFromBuild() {
    assertThatThrownBy(() -> BrokerClient.builder().environment(Map.of()).build())
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> BrokerClient.builder().timeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BrokerClient.builder().compressionThreshold(-1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void buildDoesNotConnect() throws Exception {
    Path dir = Files.createTempDirectory("ebe-");
    try (BrokerClient client = BrokerFixture.clientOf(dir.resolve("later.sock")).build()) {
      assertThat(client.connectAttempts()).isZero();
    } finally {
      Files.delete(dir);
    }
  }

  @Test
  void argumentErrorsAreThrownByAsyncMethodsToo() throws Exception {
    Path dir = Files.createTempDirectory("ebe-");
    try (BrokerClient client =
        BrokerFixture.clientOf(dir.resolve("none.sock")).timeout(Duration.ofMillis(200)).build()) {
      assertThatThrownBy(() -> client.setAsync("k", 1, Duration.ZERO))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> client.leaseAsync("", "w"))
          .isInstanceOf(IllegalArgumentException.class);
      assertThat(client.connectAttempts()).as("nothing was sent").isZero();

      // A broker-dependent failure is never thrown by the async method itself.
      CompletableFuture<Long> ping = client.pingAsync();
      assertThat(ping)
          .failsWithin(5, TimeUnit.SECONDS)
          .withThrowableThat()
          .havingCause()
          .isInstanceOf(BrokerConnectionException.class);
    } finally {
      Files.delete(dir);
    }
  }
}
