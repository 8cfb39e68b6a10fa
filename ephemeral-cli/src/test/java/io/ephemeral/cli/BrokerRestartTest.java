package io.ephemeral.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ephemeral.client.BrokerClient;
import io.ephemeral.client.NotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker process killed with SIGKILL (no cleanup: its socket file stays behind) and started
 * again with the same {@code --socket PATH}: the new broker takes over the stale file, and a {@link
 * BrokerClient} created before the crash reaches it, including a call it made while no broker was
 * running.
 */
class BrokerRestartTest {

  @TempDir Path dir;

  @Test
  void aBrokerKilledWithSigkillIsReplacedOnTheSameSocketAndRetryingClientsReachIt()
      throws Exception {
    Path socket = dir.resolve("broker.sock");
    try (BrokerClient client =
        BrokerClient.builder()
            .environment(Map.of())
            .pipe(socket)
            .timeout(Duration.ofSeconds(25))
            .build()) {
      CompletableFuture<Void> during;
      try (Cli first = Cli.start(dir, "start", "--socket", socket.toString())) {
        assertThat(first.awaitSocket()).isEqualTo(socket);
        client.set("before", "first broker", Duration.ofMinutes(1));
        assertThat(client.get("before", String.class)).isEqualTo("first broker");
        try (Line raw = new Line(socket)) {
          assertThat(raw.call("{\"action\":\"ping\"}")).startsWith("{\"ok\":true");

          Cli.kill("KILL", first.process().pid());
          assertThat(first.process().waitFor(Cli.DEADLINE.toMillis(), TimeUnit.MILLISECONDS))
              .isTrue();
          assertThat(first.process().exitValue()).isEqualTo(137);
          assertThat(readOrClosed(raw)).as("an open connection sees the crash").isNull();
        }
      }
      assertThat(Files.exists(socket, java.nio.file.LinkOption.NOFOLLOW_LINKS))
          .as("SIGKILL leaves the socket file behind")
          .isTrue();
      Cli.Result down = Cli.ctl(socket, "ping", "--timeout", "300");
      assertThat(down.status()).as(down.toString()).isEqualTo(ExitStatus.UNAVAILABLE.code);
      assertThat(down.err()).contains("ECONNREFUSED");

      // A call made while nothing listens keeps retrying within its timeout.
      during = client.setAsync("during", "made while down", Duration.ofMinutes(1));
      assertThat(during).as("no broker to answer yet").isNotDone();

      try (Cli second = Cli.start(dir, "start", "--socket", socket.toString())) {
        assertThat(second.awaitSocket()).isEqualTo(socket);
        during.get(Cli.DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(client.get("during", String.class)).isEqualTo("made while down");
        // A fresh store: this is the new broker, not the old one somehow still answering.
        assertThatThrownBy(() -> client.get("before", String.class))
            .isInstanceOf(NotFoundException.class);
        assertThat(Cli.ctl(socket, "get", "during").out()).isEqualTo("\"made while down\"\n");
        assertThat(second.stderr()).doesNotContain("already running");
        second.signal("TERM");
        assertThat(second.exitStatus()).as(second.describe()).isZero();
      }
      assertThat(Files.exists(socket, java.nio.file.LinkOption.NOFOLLOW_LINKS))
          .as("a broker that stops normally removes its socket")
          .isFalse();
    }
  }

  private static String readOrClosed(Line line) {
    try {
      return line.readLine();
    } catch (IOException reset) {
      return null;
    }
  }
}
