package io.ephemeral.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Review issue #15: in the Node client every retry had its own timeout, so a 5 s timeout could take
 * 30 s. Here the timeout bounds the whole call, retries included.
 */
class ReviewIssue15RetryTotalTimeoutTest {
  private static final Duration TIMEOUT = Duration.ofMillis(2_000);

  /**
   * Allowed lateness. Generous because shared build machines can be heavily loaded; the bug this
   * guards against costs a multiple of the timeout, not a fraction of it.
   */
  private static final long SLACK_MILLIS = 1_500;

  private static BrokerClient client(Path socket) {
    return BrokerFixture.clientOf(socket).timeout(TIMEOUT).build();
  }

  @Test
  void missingSocketFailsAfterTheTimeoutAndNotMuchLater() throws Exception {
    Path dir = Files.createTempDirectory("ebr-");
    Path socket = dir.resolve("none.sock");
    try (BrokerClient client = client(socket)) {
      long start = System.nanoTime();
      BrokerConnectionException e =
          catchThrowableOfType(BrokerConnectionException.class, client::ping);
      long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(e.code()).isEqualTo("ENOENT");
      assertThat(e.getMessage())
          .contains("is the broker running?")
          .contains("pipe=" + socket)
          .containsPattern("\\(\\d+ attempts\\)");
      assertThat(elapsed).isBetween(TIMEOUT.toMillis() - 100, TIMEOUT.toMillis() + SLACK_MILLIS);
    } finally {
      Files.delete(dir);
    }
  }

  @Test
  void staleSocketFileFailsWithConnectionRefusedWithinTheTimeout() throws Exception {
    Path dir = Files.createTempDirectory("ebr-");
    Path socket = dir.resolve("stale.sock");
    try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      s.bind(UnixDomainSocketAddress.of(socket)); // closing leaves the file behind
    }
    try (BrokerClient client = client(socket)) {
      long start = System.nanoTime();
      CompletableFuture<Long> pong = client.pingAsync();
      ExecutionException e =
          catchThrowableOfType(ExecutionException.class, () -> pong.get(10, TimeUnit.SECONDS));
      long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(e.getCause())
          .isInstanceOfSatisfying(
              BrokerConnectionException.class, c -> assertThat(c.code()).isEqualTo("ECONNREFUSED"));
      assertThat(elapsed).isBetween(TIMEOUT.toMillis() - 100, TIMEOUT.toMillis() + SLACK_MILLIS);
    } finally {
      Files.deleteIfExists(socket);
      Files.delete(dir);
    }
  }

  @Test
  void brokerThatNeverAnswersTimesOutOnceWithoutRetrying() throws Exception {
    try (FakeBroker fake = new FakeBroker();
        BrokerClient client = client(fake.socket)) {
      long start = System.nanoTime();
      CompletableFuture<Long> pong = client.pingAsync();
      FakeBroker.Conn conn = fake.accept();
      conn.readLine();
      ExecutionException e =
          catchThrowableOfType(ExecutionException.class, () -> pong.get(10, TimeUnit.SECONDS));
      long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(e.getCause())
          .isInstanceOfSatisfying(
              BrokerConnectionException.class, c -> assertThat(c.code()).isEqualTo("ETIMEOUT"))
          .hasMessageContaining("no reply from the broker within " + TIMEOUT.toMillis() + " ms");
      assertThat(elapsed).isBetween(TIMEOUT.toMillis() - 100, TIMEOUT.toMillis() + SLACK_MILLIS);
      assertThat(conn.pollLine(Duration.ofMillis(100))).as("not sent twice").isNull();
    }
  }

  @Test
  void blockingCallIsBoundedToo() throws Exception {
    try (FakeBroker fake = new FakeBroker();
        BrokerClient client = client(fake.socket)) {
      long start = System.nanoTime();
      BrokerConnectionException e =
          catchThrowableOfType(
              BrokerConnectionException.class, () -> client.get("k", String.class));
      long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(e.code()).isEqualTo("ETIMEOUT");
      assertThat(e.getMessage()).contains("get \"k\"");
      assertThat(elapsed).isBetween(TIMEOUT.toMillis() - 100, TIMEOUT.toMillis() + SLACK_MILLIS);
    }
  }
}
