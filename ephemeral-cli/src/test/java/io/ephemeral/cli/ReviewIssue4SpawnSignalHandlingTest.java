package io.ephemeral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Review issues #3 and #4: the original stacked a second SIGINT/SIGTERM handler in spawn() that
 * raced the first one (exit 0 against exit 1, stop() twice, the child not waited for). Here one
 * handler forwards the signal to the child once per delivery, waits for it, cleans up and exits
 * with the child's status.
 */
class ReviewIssue4SpawnSignalHandlingTest {

  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"TERM", "INT", "HUP"})
  void signalIsForwardedToTheChildAndItsStatusBecomesOurs(String signal) {
    Path ready = dir.resolve("ready");
    Path marker = dir.resolve("marker");
    Path pipeFile = dir.resolve("pipe");
    String script =
        "trap 'echo "
            + signal
            + " > \"$MARKER\"; exit 7' "
            + signal
            + "\n"
            + "echo \"$EPHEMERAL_PIPE\" > \"$PIPE_FILE\"\n"
            + "echo ready > \"$READY\"\n"
            + "while :; do sleep 0.05; done\n";
    try (Cli cli =
        Cli.start(dir, env(ready, marker, pipeFile), "start", "--", "sh", "-c", script)) {
      Cli.awaitFile(ready);
      cli.signal(signal);
      assertThat(cli.exitStatus()).as(cli.describe()).isEqualTo(7);
      assertThat(Cli.read(marker)).isEqualTo(signal + "\n");
      Path socket = Path.of(Cli.read(pipeFile).strip());
      assertThat(socket).doesNotExist();
      assertThat(socket.getParent()).doesNotExist();
      assertThat(cli.stderr()).contains("Broker stopped and cleaned up");
    }
  }

  @Test
  void eachSignalIsForwardedExactlyOnce() {
    Path ready = dir.resolve("ready");
    Path marker = dir.resolve("marker");
    // Exits 7 on the second SIGTERM; a stacked handler would forward each signal twice.
    String script =
        "n=0\n"
            + "trap 'n=$((n+1)); echo TERM >> \"$MARKER\"; if [ $n -ge 2 ]; then exit 7; fi' TERM\n"
            + "echo ready > \"$READY\"\n"
            + "while :; do sleep 0.05; done\n";
    try (Cli cli =
        Cli.start(
            dir, env(ready, marker, dir.resolve("pipe")), "start", "--", "sh", "-c", script)) {
      Cli.awaitFile(ready);
      cli.signal("TERM");
      Cli.await("the first signal to reach the child", () -> Cli.read(marker).equals("TERM\n"));
      assertThat(cli.process().isAlive()).isTrue();
      cli.signal("TERM");
      assertThat(cli.exitStatus()).as(cli.describe()).isEqualTo(7);
      assertThat(Cli.read(marker)).isEqualTo("TERM\nTERM\n");
    }
  }

  @Test
  void childThatHandlesTheSignalAndExitsCleanlyGivesZero() {
    Path ready = dir.resolve("ready");
    Path marker = dir.resolve("marker");
    String script =
        "trap 'echo TERM > \"$MARKER\"' TERM\n"
            + "echo ready > \"$READY\"\n"
            + "while [ ! -s \"$MARKER\" ]; do sleep 0.05; done\n"
            + "exit 0\n";
    try (Cli cli =
        Cli.start(
            dir, env(ready, marker, dir.resolve("pipe")), "start", "--", "sh", "-c", script)) {
      Cli.awaitFile(ready);
      cli.signal("TERM");
      assertThat(cli.exitStatus()).as(cli.describe()).isZero();
    }
  }

  @Test
  void childKilledByTheForwardedSignalGives128PlusN() {
    Path ready = dir.resolve("ready");
    String script = "echo ready > \"$READY\"; exec sleep 60";
    try (Cli cli =
        Cli.start(
            dir,
            env(ready, dir.resolve("m"), dir.resolve("p")),
            "start",
            "--",
            "sh",
            "-c",
            script)) {
      Cli.awaitFile(ready);
      cli.signal("TERM");
      assertThat(cli.exitStatus()).as(cli.describe()).isEqualTo(128 + 15);
    }
  }

  private static java.util.Map<String, String> env(Path ready, Path marker, Path pipeFile) {
    return java.util.Map.of(
        "READY", ready.toString(), "MARKER", marker.toString(), "PIPE_FILE", pipeFile.toString());
  }
}
