package io.ephemeral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Review issue #7: without a command the original kept the process alive with a promise that never
 * resolves. Here the main thread blocks until the broker has stopped: SIGINT/SIGTERM drain and stop
 * it, so does an idle timeout, and each ends the process with status 0.
 */
class ReviewIssue7KeepAliveTest {

  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"TERM", "INT"})
  void servesUntilSignalThenCleansUpAndExitsZero(String signal) throws IOException {
    try (Cli cli = Cli.start(dir, "start")) {
      Path socket = cli.awaitSocket();
      assertThat(cli.stdout())
          .isEqualTo("Broker running on: " + socket + "\nPress Ctrl+C to stop\n");
      assertThat(socket).startsWithRaw(dir.resolve("tmp"));

      // Standard input at end of file does not end the broker (no stdin keep-alive trick).
      cli.process().getOutputStream().close();
      assertThat(Cli.ctl(socket, "ping").out()).startsWith("pong (");
      assertThat(cli.process().isAlive()).isTrue();

      cli.signal(signal);
      assertThat(cli.exitStatus()).as(cli.describe()).isZero();
      assertThat(socket).doesNotExist();
      assertThat(socket.getParent()).doesNotExist();
      assertThat(cli.stderr()).contains("Broker stopped and cleaned up");
      try (var left = Files.list(dir.resolve("tmp"))) {
        assertThat(left).isEmpty();
      }
    }
  }

  @Test
  void idleTimeoutStopsTheBrokerAndEndsTheProcessWithZero() {
    try (Cli cli = Cli.start(dir, "start", "--idle-timeout", "200")) {
      Path socket = cli.awaitSocket();
      assertThat(cli.exitStatus()).as(cli.describe()).isZero();
      assertThat(socket).doesNotExist();
      assertThat(socket.getParent()).doesNotExist();
    }
  }
}
