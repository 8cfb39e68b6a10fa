package io.ephemeral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ephemeral.cli.Cli.Result;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Bad command lines of {@code ephemeral-broker} are usage errors (exit 2) that name the flag. Every
 * case here fails before a broker starts, so it runs in this JVM.
 */
class StartUsageTest {

  @TempDir Path dir;

  private static Result run(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = Main.run(args, env, new PrintWriter(out), new PrintWriter(err));
    return new Result(status, out.toString(), err.toString());
  }

  private static String usageError(Map<String, String> env, String... args) {
    Result result = run(env, args);
    assertThat(result.status()).as(result.toString()).isEqualTo(2);
    assertThat(result.out()).isEmpty();
    assertThat(result.err()).startsWith("ephemeral-broker: ").contains("Try 'ephemeral-broker");
    return result.err();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "--ttl abc               | Invalid value for option '--ttl': 'abc' is not a long",
        "--ttl 0                 | Invalid value for option '--ttl': 0 must be a positive number",
        "--ttl -5                | Invalid value for option '--ttl': -5 must be a positive number",
        "--max-items -1          | Invalid value for option '--max-items': -1 must be 0 (unlimited) or more",
        "--max-items 1.5         | Invalid value for option '--max-items': '1.5' is not an int",
        "--max-items 99999999999 | Invalid value for option '--max-items': '99999999999' is not an int",
        "--max-value-size 0      | Invalid value for option '--max-value-size': 0 must be positive",
        "--max-request-size x    | Invalid value for option '--max-request-size': 'x' is not an int",
        "--idle-timeout 0        | Invalid value for option '--idle-timeout': 0 must be a positive",
        "--heartbeat-interval -1 | Invalid value for option '--heartbeat-interval': -1 must be a positive",
        "--busy-poll-micros -1   | Invalid value for option '--busy-poll-micros': -1 must be between 0 and 10000",
        "--busy-poll-micros 20000 | Invalid value for option '--busy-poll-micros': 20000 must be between 0 and 10000",
        "--log-level loud        | loud",
        "--pipe-id a --socket b  | --pipe-id=ID, --socket=PATH are mutually exclusive",
        "--secret a --secret-env B | --secret=S, --secret-env=VAR are mutually exclusive",
        "--secret-env NOPE       | --secret-env: environment variable NOPE is not set",
        "--bogus                 | Unknown option: '--bogus'",
        "--max-connections 0     | Invalid value for option '--max-connections': 0 must be positive",
        "--max-key-length 0      | Invalid value for option '--max-key-length': 0 must be positive",
        "--max-nesting-depth 1   | Invalid value for option '--max-nesting-depth': 1 must be from 2 to 1000",
        "--max-frame-depth 1001  | Invalid value for option '--max-frame-depth': 1001 must be from 2 to 1000",
        "--max-frame-size 0      | Invalid value for option '--max-frame-size': 0 must be positive",
        "--max-pending-calls -1  | Invalid value for option '--max-pending-calls': -1 must be 0 (no limit) or more",
        "--max-memory 12x        | maxMemory '12x' is not a size",
        "--max-memory 0          | maxMemory must be positive",
        "--max-lease-waiters -1  | Invalid value for option '--max-lease-waiters': -1 must be 0 or more",
        "--max-output-buffer 100 | maxOutputBuffer must be at least 65536 bytes, got 100",
        "--stall-timeout 0       | Invalid value for option '--stall-timeout': 0 must be a positive",
        "--connection-idle-timeout x | Invalid value for option '--connection-idle-timeout': 'x' is not a long",
        "--replay-window 0       | Invalid value for option '--replay-window': 0 must be a positive",
        "--replay-window 30000   | replay protection needs a secret",
        "--replay-cache-size 0   | Invalid value for option '--replay-cache-size': 0 must be positive",
      })
  void badFlagIsAUsageError(String args, String message) {
    assertThat(usageError(Map.of(), ("start " + args.strip()).split(" "))).contains(message);
  }

  @Test
  void badEnvironmentVariableIsAUsageErrorNamingIt() {
    assertThat(usageError(Map.of("BROKER_MAX_ITEMS", "lots"), "start"))
        .contains("BROKER_MAX_ITEMS");
  }

  @Test
  void emptySecretVariableIsAnError() {
    assertThat(usageError(Map.of("S", ""), "start", "--secret-env", "S"))
        .contains("environment variable S is empty");
  }

  @Test
  void missingOrEmptySecretFileIsAnError() throws IOException {
    Path missing = dir.resolve("missing");
    assertThat(usageError(Map.of(), "start", "--secret-file", missing.toString()))
        .contains("--secret-file: no such file: " + missing);
    Path empty = Files.writeString(dir.resolve("empty"), "\n");
    assertThat(usageError(Map.of(), "start", "--secret-file", empty.toString()))
        .contains("--secret-file: " + empty + " is empty");
  }

  @Test
  void noSubcommandIsAUsageError() {
    assertThat(usageError(Map.of())).contains("Missing required subcommand");
  }

  @Test
  void versionAndHelp() {
    assertThat(run(Map.of(), "--version").out()).matches("ephemeral-broker \\d[^\\s$]*\n");
    assertThat(run(Map.of(), "start", "--version").out()).startsWith("ephemeral-broker ");
    assertThat(run(Map.of(), "ctl", "--version").out()).startsWith("brokerctl ");
    Result help = run(Map.of(), "start", "--help");
    assertThat(help.status()).isZero();
    assertThat(help.out())
        .contains(
            "--ttl=MS",
            "--max-items=N",
            "--max-request-size=BYTES",
            "--max-value-size=BYTES",
            "--debug",
            "--pipe-id=ID",
            "--secret=S",
            "--secret-env=VAR",
            "--secret-file=FILE",
            "--[no-]require-ttl",
            "--socket=PATH",
            "--log-level=LEVEL",
            "--structured-logging",
            "--idle-timeout=MS",
            "--heartbeat-interval=MS",
            "--busy-poll-micros=US",
            "127");
  }
}
