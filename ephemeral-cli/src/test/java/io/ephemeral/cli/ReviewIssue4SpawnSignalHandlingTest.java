package io.ephemeral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
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
    try (Cli cli = startReadyChild(script)) {
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
    Path marker = dir.resolve("marker");
    // Exits 7 on the second SIGTERM; a stacked handler would forward each signal twice.
    String script =
        "n=0\n"
            + "trap 'n=$((n+1)); echo TERM >> \"$MARKER\"; if [ $n -ge 2 ]; then exit 7; fi' TERM\n"
            + "echo ready > \"$READY\"\n"
            + "while :; do sleep 0.05; done\n";
    try (Cli cli = startReadyChild(script)) {
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
    String script =
        "trap 'echo TERM > \"$MARKER\"' TERM\n"
            + "echo ready > \"$READY\"\n"
            + "while [ ! -s \"$MARKER\" ]; do sleep 0.05; done\n"
            + "exit 0\n";
    try (Cli cli = startReadyChild(script)) {
      cli.signal("TERM");
      assertThat(cli.exitStatus()).as(cli.describe()).isZero();
    }
  }

  @Test
  void childKilledByTheForwardedSignalGives128PlusN() {
    try (Cli cli = startReadyChild("echo ready > \"$READY\"; exec sleep 60")) {
      cli.signal("TERM");
      assertThat(cli.exitStatus()).as(cli.describe()).isEqualTo(128 + 15);
    }
  }

  /**
   * The broker started with {@code script} as its child, once the script has written {@code
   * $READY}; the script also finds the files {@code $MARKER} and {@code $PIPE_FILE} in {@link
   * #dir}.
   */
  private Cli startReadyChild(String script) {
    Path ready = dir.resolve("ready");
    Map<String, String> env =
        Map.of(
            "READY",
            ready.toString(),
            "MARKER",
            dir.resolve("marker").toString(),
            "PIPE_FILE",
            dir.resolve("pipe").toString());
    Cli cli = Cli.start(dir, env, "start", "--", "sh", "-c", script);
    try {
      Cli.awaitFile(ready);
    } catch (RuntimeException | Error e) {
      cli.close();
      throw e;
    }
    return cli;
  }
}
