package io.ephemeral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The child command: its environment, its arguments, its standard streams. */
class ChildProcessTest {

  @TempDir Path dir;

  @Test
  void childGetsEphemeralPipeAndTalksToTheBrokerThroughBrokerctl() {
    Path out = dir.resolve("child.txt");
    String script =
        "{ echo \"$EPHEMERAL_PIPE\"\n"
            + Cli.shellCtl("set greeting hello --ttl 60000")
            + Cli.shellCtl("get greeting")
            + "} > \"$OUT\"\n";
    try (Cli cli =
        Cli.start(dir, Map.of("OUT", out.toString()), "start", "--", "sh", "-c", script)) {
      assertThat(cli.exitStatus()).as(cli.describe()).isZero();
      String[] lines = Cli.read(out).split("\n");
      assertThat(lines).hasSize(3);
      Path pipe = Path.of(lines[0]);
      assertThat(pipe.getFileName().toString()).matches("broker-[0-9a-f]{12}\\.sock");
      assertThat(pipe).startsWithRaw(dir.resolve("tmp"));
      assertThat(lines[1]).isEqualTo("OK");
      assertThat(lines[2]).isEqualTo("\"hello\"");
      assertThat(pipe).doesNotExist();
    }
  }

  @Test
  void argumentsReachTheChildVerbatimWithoutAShell() {
    Path out = dir.resolve("args.txt");
    try (Cli cli =
        Cli.start(
            dir,
            Map.of("OUT", out.toString()),
            "start",
            "--",
            "sh",
            "-c",
            "printf '%s|' \"$@\" > \"$OUT\"",
            "sh",
            "two words",
            "--ttl",
            "5",
            "$HOME",
            "*",
            "")) {
      assertThat(cli.exitStatus()).as(cli.describe()).isZero();
      assertThat(Cli.read(out)).isEqualTo("two words|--ttl|5|$HOME|*||");
    }
  }

  @Test
  void childInheritsStandardStreams() {
    try (Cli cli =
        Cli.start(dir, "start", "--", "sh", "-c", "echo to-stdout; echo to-stderr >&2")) {
      assertThat(cli.exitStatus()).as(cli.describe()).isZero();
      assertThat(cli.stdout()).isEqualTo("to-stdout\n");
      assertThat(cli.stderr()).contains("to-stderr\n");
    }
  }
}
