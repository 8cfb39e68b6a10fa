package io.ephemeral.broker.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ephemeral.broker.Broker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Review issue #17: a long temp directory gave a cryptic bind error. */
class ReviewIssue17SocketPathLengthTest {
  @TempDir Path tmp;

  @Test
  void aTooLongTempDirectoryIsRefusedWithAFix() throws Exception {
    Path deep = Files.createDirectories(tmp.resolve("x".repeat(60)).resolve("y".repeat(40)));
    Broker broker =
        Broker.builder().environment(Map.of("TMPDIR", deep.toString())).shutdownHook(false).build();
    assertThatThrownBy(broker::start)
        .isInstanceOf(IOException.class)
        .hasMessageContaining("too long")
        .hasMessageContaining("TMPDIR");
    assertThat(broker.isRunning()).isFalse();
    try (var left = Files.list(deep)) {
      assertThat(left).as("nothing created").isEmpty();
    }
  }

  @Test
  void aTooLongExplicitSocketPathIsRefused() {
    Path socket = tmp.resolve("s".repeat(120) + ".sock");
    Broker broker =
        Broker.builder().environment(Map.of()).shutdownHook(false).socketPath(socket).build();
    assertThatThrownBy(broker::start)
        .isInstanceOf(IOException.class)
        .hasMessageContaining("too long");
  }

  @Test
  void aPathAtTheLimitWorks() throws Exception {
    String base = tmp.toString() + "/";
    int room = SocketPaths.MAX_PATH_BYTES - base.length() - ".sock".length();
    Path socket = Path.of(base + "p".repeat(room) + ".sock");
    assertThat(socket.toString().length()).isEqualTo(SocketPaths.MAX_PATH_BYTES);
    try (Broker broker =
        Broker.builder().environment(Map.of()).shutdownHook(false).socketPath(socket).build()) {
      assertThat(broker.start()).isEqualTo(socket);
    }
  }
}
