package io.ephemeral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review issue #16: the original exited with {@code code || 0} when the child exited (so a child
 * killed by a signal gave 0) and with 1 from a competing signal handler. Our status is always the
 * child's, 128+n for a child killed by signal n, and 127 for a command that cannot start.
 */
class ReviewIssue16ExitCodeTest {

  @TempDir Path dir;

  @Test
  void childExitingZeroGivesZero() {
    try (Cli cli = Cli.start(dir, "start", "--", "sh", "-c", "exit 0")) {
      assertThat(cli.exitStatus()).as(cli.describe()).isZero();
    }
  }

  @Test
  void childExitStatusIsPropagated() {
    try (Cli cli = Cli.start(dir, "start", "--", "sh", "-c", "exit 3")) {
      assertThat(cli.exitStatus()).as(cli.describe()).isEqualTo(3);
    }
  }

  @Test
  void childKilledBySigtermGives143() {
    try (Cli cli = Cli.start(dir, "start", "--", "sh", "-c", "kill -TERM $$")) {
      assertThat(cli.exitStatus()).as(cli.describe()).isEqualTo(128 + 15);
    }
  }

  @Test
  void childKilledBySigkillGives137() {
    try (Cli cli = Cli.start(dir, "start", "--", "sh", "-c", "kill -KILL $$")) {
      assertThat(cli.exitStatus()).as(cli.describe()).isEqualTo(128 + 9);
    }
  }

  @Test
  void commandWithoutDoubleDashIsRunWithItsOwnFlags() {
    try (Cli cli = Cli.start(dir, "start", "sh", "-c", "exit 4")) {
      assertThat(cli.exitStatus()).as(cli.describe()).isEqualTo(4);
    }
  }

  @Test
  void socketAndItsDirectoryAreGoneAfterTheChildExits() {
    Path pipeFile = dir.resolve("pipe.txt");
    try (Cli cli =
        Cli.start(
            dir,
            "start",
            "--",
            "sh",
            "-c",
            "echo \"$EPHEMERAL_PIPE\" > '" + pipeFile + "'; exit 5")) {
      assertThat(cli.exitStatus()).as(cli.describe()).isEqualTo(5);
      Path socket = Path.of(Cli.awaitFile(pipeFile));
      assertThat(socket).startsWithRaw(dir.resolve("tmp"));
      assertThat(socket).doesNotExist();
      assertThat(socket.getParent()).doesNotExist();
      assertThat(leftovers()).isEmpty();
    }
  }

  @Test
  void unstartableCommandGives127AndLeavesNothingBehind() {
    try (Cli cli = Cli.start(dir, "start", "--", "no-such-command-for-ephemeral-tests", "x")) {
      assertThat(cli.exitStatus()).as(cli.describe()).isEqualTo(127);
      assertThat(cli.stderr())
          .contains(
              "ephemeral-broker: cannot run 'no-such-command-for-ephemeral-tests': "
                  + "No such file or directory");
      assertThat(cli.stderr()).contains("Broker stopped and cleaned up");
      assertThat(leftovers()).isEmpty();
    }
  }

  @Test
  void nonExecutableCommandGives127() throws IOException {
    Path script = Files.writeString(dir.resolve("not-executable.sh"), "#!/bin/sh\nexit 0\n");
    try (Cli cli = Cli.start(dir, "start", "--", script.toString())) {
      assertThat(cli.exitStatus()).as(cli.describe()).isEqualTo(127);
      assertThat(cli.stderr()).contains("cannot run '" + script + "': Permission denied");
      assertThat(leftovers()).isEmpty();
    }
  }

  /** What the broker left in the CLI's temporary directory. */
  private Stream<Path> leftovers() {
    try {
      return Files.list(dir.resolve("tmp")).toList().stream();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
