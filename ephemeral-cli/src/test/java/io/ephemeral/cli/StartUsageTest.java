package io.ephemeral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ephemeral.broker.BrokerOption;
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
        "--ttl abc               | Invalid value for option '--ttl': 'abc' is not a whole number",
        "--ttl 0                 | Invalid value for option '--ttl': 0 must be positive",
        "--ttl -5                | Invalid value for option '--ttl': -5 must be positive",
        "--max-items -1          | Invalid value for option '--max-items': -1 must be 0 (unlimited) or more",
        "--max-items 1.5         | Invalid value for option '--max-items': '1.5' is not a whole number",
        "--max-items 99999999999 | Invalid value for option '--max-items': 99999999999 must be at most 2147483647",
        "--max-value-size 0      | Invalid value for option '--max-value-size': 0 must be positive",
        "--max-request-size x    | Invalid value for option '--max-request-size': 'x' is not a whole number",
        "--max-request-size 10   | Invalid value for option '--max-request-size': 10 must be at least 64 bytes",
        "--idle-timeout 0        | Invalid value for option '--idle-timeout': 0 must be positive",
        "--heartbeat-interval -1 | Invalid value for option '--heartbeat-interval': -1 must be positive",
        "--busy-poll-micros -1   | Invalid value for option '--busy-poll-micros': -1 must be from 0 (off) to 10000 microseconds",
        "--busy-poll-micros 20000 | Invalid value for option '--busy-poll-micros': 20000 must be from 0 (off) to 10000 microseconds",
        "--log-level loud        | Invalid value for option '--log-level': 'loud' must be one of debug, info, warn, error",
        "--eviction-policy fifo  | Invalid value for option '--eviction-policy': 'fifo' must be one of reject, lru",
        "--pipe-id ../x          | Invalid value for option '--pipe-id': '../x' must be 1-64 characters",
        "--pipe-id a --socket b  | --pipe-id=ID, --socket=PATH are mutually exclusive",
        "--secret a --secret-env B | --secret=S, --secret-env=VAR are mutually exclusive",
        "--secret-env NOPE       | --secret-env: environment variable NOPE is not set",
        "--bogus                 | Unknown option: '--bogus'",
        "--max-connections 0     | Invalid value for option '--max-connections': 0 must be positive",
        "--max-key-length 0      | Invalid value for option '--max-key-length': 0 must be positive",
        "--max-nesting-depth 1   | Invalid value for option '--max-nesting-depth': 1 must be from 2 to 1000",
        "--max-frame-depth 1001  | Invalid value for option '--max-frame-depth': 1001 must be from 2 to 1000",
        "--max-frame-size 0      | Invalid value for option '--max-frame-size': 0 must be at least 64 bytes",
        "--max-pending-calls -1  | Invalid value for option '--max-pending-calls': -1 must be 0 (no count limit) or more",
        "--max-memory 12x        | Invalid value for option '--max-memory': '12x' is not a size",
        "--max-memory 0          | Invalid value for option '--max-memory': '0' must be positive",
        "--max-lease-waiters -1  | Invalid value for option '--max-lease-waiters': -1 must be 0 (no waiting) or more",
        "--max-output-buffer 100 | Invalid value for option '--max-output-buffer': 100 must be at least 65536 bytes",
        "--stall-timeout 0       | Invalid value for option '--stall-timeout': 0 must be positive",
        "--connection-idle-timeout x | Invalid value for option '--connection-idle-timeout': 'x' is not a whole number",
        "--replay-window 0       | Invalid value for option '--replay-window': 0 must be positive",
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
            "--[no-]debug",
            "--[no-]require-ttl",
            "--log-level=debug|info|warn|error",
            "--busy-poll-micros=US",
            "--pipe-id=ID",
            "--socket=PATH",
            "--secret=S",
            "--secret-env=VAR",
            "--secret-file=FILE",
            "--store=URI",
            "--plugin=JAR",
            "127");
    // Every option of the table has its flag, with its variable in the help.
    for (BrokerOption option : BrokerOption.values()) {
      if (option.flag() != null) {
        String flag =
            option.kind() == BrokerOption.Kind.BOOLEAN
                ? "--[no-]" + option.flag().substring(2)
                : option.flag() + "=";
        assertThat(help.out()).contains(flag).contains(option.environmentVariable());
      }
    }
  }

  @Test
  void everyFlagOfTheTableIsCheckedByItsRow() throws Exception {
    // Checked against the same row the builder and the environment use: a value the row refuses
    // is refused here naming the flag, one it accepts is passed on.
    for (BrokerOption option : BrokerOption.values()) {
      if (option.flag() == null
          || option.kind() == BrokerOption.Kind.BOOLEAN
          || option.kind() == BrokerOption.Kind.NAMES) { // any text is names
        continue;
      }
      assertThat(usageError(Map.of(), "start", option.flag(), "?"))
          .contains("Invalid value for option '" + option.flag() + "': '?'");
    }
  }
}
