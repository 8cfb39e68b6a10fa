package io.ephemeral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ephemeral.cli.Cli.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --secret-env} and {@code --secret-file} give an authenticated broker, the secret reaches
 * the child as EPHEMERAL_SECRET, and BROKER_SECRET applies when no flag is given (the original CLI
 * always passed a secret option, so BROKER_SECRET never worked through it).
 */
class SecretTest {

  @TempDir Path dir;

  @Test
  void secretFromEnvReachesTheChildWhichTalksSigned() {
    Path out = dir.resolve("child.txt");
    // The child signs with EPHEMERAL_SECRET (brokerctl's fallback); without it, auth fails.
    String script =
        "{ echo \"secret=$EPHEMERAL_SECRET\"\n"
            + Cli.shellCtl("set k signed --ttl 60000")
            + Cli.shellCtl("get k")
            + "  env -u EPHEMERAL_SECRET "
            + Cli.shellCtl("get k 2>&1")
            + "  echo \"unsigned=$?\"\n"
            + "} > \"$OUT\"\n";
    try (Cli cli =
        Cli.start(
            dir,
            Map.of("MY_SECRET", "s3cret", "OUT", out.toString()),
            "start",
            "--secret-env",
            "MY_SECRET",
            "--",
            "sh",
            "-c",
            script)) {
      assertThat(cli.exitStatus()).as(cli.describe()).isZero();
      assertThat(Cli.read(out))
          .startsWith("secret=s3cret\nOK\n\"signed\"\nError: ")
          .contains("auth_failed")
          .endsWith("unsigned=" + ExitStatus.UNAVAILABLE.code + "\n");
    }
  }

  @Test
  void secretFromFileMakesUnsignedRequestsFail() throws IOException {
    Path file = Files.writeString(dir.resolve("secret"), "from-file\n");
    try (Cli cli = Cli.start(dir, "start", "--secret-file", file.toString())) {
      Path pipe = cli.awaitSocket();
      Result unsigned = Cli.ctl(pipe, "ping");
      assertThat(unsigned.status()).isEqualTo(ExitStatus.UNAVAILABLE.code);
      assertThat(unsigned.err()).startsWith("Error: ").contains("auth_failed");
      Result wrong = Cli.ctl(pipe, "--secret", "from-file\n", "ping");
      assertThat(wrong.err()).contains("auth_failed");
      // The trailing newline of the file is not part of the secret.
      assertThat(Cli.ctl(pipe, "--secret", "from-file", "ping").out()).startsWith("pong (");
      Map<String, String> env =
          Map.of("EPHEMERAL_PIPE", pipe.toString(), "EPHEMERAL_SECRET", "from-file");
      assertThat(Cli.ctl(env, "ping").status()).isZero();
      cli.signal("TERM");
      assertThat(cli.exitStatus()).isZero();
    }
  }

  @Test
  void secretOnTheCommandLineWorksButWarns() {
    try (Cli cli = Cli.start(dir, "start", "--secret", "in-ps-output", "--", "true")) {
      assertThat(cli.exitStatus()).isZero();
      assertThat(cli.stderr())
          .contains("warning: --secret is visible to other users in the process list")
          .doesNotContain("in-ps-output");
    }
  }

  @Test
  void brokerSecretVariableAppliesWithoutAFlag() {
    try (Cli cli = Cli.start(dir, Map.of("BROKER_SECRET", "env-secret"), "start")) {
      Path pipe = cli.awaitSocket();
      assertThat(Cli.ctl(pipe, "ping").err()).contains("auth_failed");
      assertThat(Cli.ctl(pipe, "--secret", "env-secret", "ping").status()).isZero();
      cli.signal("TERM");
      assertThat(cli.exitStatus()).isZero();
    }
  }

  @Test
  void brokerSecretVariableReachesTheChild() {
    Path out = dir.resolve("child.txt");
    try (Cli cli =
        Cli.start(
            dir,
            Map.of("BROKER_SECRET", "env-secret", "OUT", out.toString()),
            "start",
            "--",
            "sh",
            "-c",
            "echo \"$EPHEMERAL_SECRET\" > \"$OUT\"")) {
      assertThat(cli.exitStatus()).isZero();
      assertThat(Cli.read(out)).isEqualTo("env-secret\n");
    }
  }

  @Test
  void noSecretMeansNoEphemeralSecretForTheChild() {
    Path out = dir.resolve("child.txt");
    try (Cli cli =
        Cli.start(
            dir,
            Map.of("OUT", out.toString()),
            "start",
            "--",
            "sh",
            "-c",
            "echo \"[${EPHEMERAL_SECRET-unset}]\" > \"$OUT\"")) {
      assertThat(cli.exitStatus()).isZero();
      assertThat(Cli.read(out)).isEqualTo("[unset]\n");
    }
  }
}
