package io.ephemeral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One Ctrl-C, one SIGINT for the command. A real terminal (a pseudo-terminal made by script(1))
 * turns the Ctrl-C byte into a SIGINT for its whole foreground process group, the broker and its
 * command alike; the broker must not send the command a second one. The command counts the SIGINTs
 * it gets.
 */
class SingleSigintTest {

  @TempDir Path dir;

  @Test
  void ctrlCInATerminalReachesTheCommandOnce() throws Exception {
    Path log = dir.resolve("signals");
    Path ready = dir.resolve("ready");
    Path brokerPid = dir.resolve("broker.pid");
    String command =
        "trap 'echo INT >> \"$LOG\"' INT\n"
            + "trap 'echo TERM >> \"$LOG\"; exit 0' TERM\n"
            + "echo $PPID > \"$BROKER_PID\"\n" // the broker runs the command directly
            + "echo ready > \"$READY\"\n"
            + "while :; do sleep 0.05; done\n";
    Path commandFile = Files.writeString(dir.resolve("command.sh"), command);
    List<String> broker = new ArrayList<>(Cli.RESET_SIGNALS);
    broker.addAll(Cli.javaCommand("start", "--", "sh", commandFile.toString()));
    Path run =
        Files.writeString(
            dir.resolve("run.sh"),
            "exec " + String.join(" ", broker.stream().map(SingleSigintTest::quote).toList()));

    // script(1) runs the command with $SHELL -c; exec makes the broker that shell's replacement,
    // else a shell that dies of the Ctrl-C itself (dash does) would be the terminal's status.
    ProcessBuilder terminal =
        new ProcessBuilder(
                "script", "--quiet", "--return", "--command", "exec sh " + run, "/dev/null")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("terminal.txt").toFile());
    terminal.environment().put("LOG", log.toString());
    terminal.environment().put("READY", ready.toString());
    terminal.environment().put("BROKER_PID", brokerPid.toString());
    terminal.environment().remove("EPHEMERAL_PIPE");
    Process script = terminal.start();
    try (OutputStream keys = script.getOutputStream()) {
      Cli.awaitFile(ready);
      keys.write(3); // Ctrl-C, typed into the terminal
      keys.flush();
      Cli.await("the command's first SIGINT", () -> Cli.read(log).equals("INT\n"));

      // SIGTERM sent to the broker alone is forwarded, and the command exits on it. A second
      // SIGINT, had the broker forwarded the first, was sent before this one.
      Cli.kill("TERM", Long.parseLong(Cli.awaitFile(brokerPid)));
      assertThat(script.waitFor(Cli.DEADLINE.toSeconds(), TimeUnit.SECONDS))
          .as("the terminal's command exits")
          .isTrue();
    } finally {
      script.destroyForcibly();
    }
    assertThat(script.exitValue()).as(Cli.read(dir.resolve("terminal.txt"))).isZero();
    assertThat(Cli.read(log)).isEqualTo("INT\nTERM\n");
  }

  private static String quote(String word) {
    return "'" + word.replace("'", "'\\''") + "'";
  }
}
