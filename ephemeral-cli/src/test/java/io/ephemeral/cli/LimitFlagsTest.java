package io.ephemeral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ephemeral.cli.Cli.Result;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The limit flags of {@code start} reach the broker, in a real broker process; and the broker's
 * secret appears nowhere in what it logs (debug level included) or answers.
 */
class LimitFlagsTest {
  private static final String SECRET = "Cli-Secret-Never-Shown-2917";

  @TempDir Path dir;

  @Test
  void limitFlagsTakeEffectAndAreCounted() {
    try (Cli cli =
        Cli.start(
            dir,
            "start",
            "--max-key-length",
            "5",
            "--max-connections",
            "50",
            "--max-nesting-depth",
            "10",
            "--max-frame-size",
            "100000",
            "--max-frame-depth",
            "20",
            "--max-pending-calls",
            "5",
            "--max-lease-waiters",
            "3",
            "--max-output-buffer",
            "1000000",
            "--stall-timeout",
            "5000",
            "--connection-idle-timeout",
            "60000",
            "--replay-cache-size",
            "10")) {
      Path pipe = cli.awaitSocket();
      assertThat(Cli.ctl(pipe, "set", "abcde", "v", "--ttl", "60000").status()).isZero();
      Result longKey = Cli.ctl(pipe, "set", "abcdef", "v", "--ttl", "60000");
      assertThat(longKey.status()).as(longKey.toString()).isEqualTo(1);
      assertThat(longKey.err()).contains("too_large").contains("maxKeyLength (5 bytes)");
      assertThat(Cli.ctl(pipe, "metrics").out())
          .contains("ephemeral_broker_limit_rejections_total{limit=\"maxKeyLength\"} 1");
      cli.signal("TERM");
      assertThat(cli.exitStatus()).isZero();
    }
  }

  @Test
  void theSecretIsNeverLoggedOrAnswered() {
    StringBuilder seen = new StringBuilder();
    try (Cli cli =
        Cli.start(
            dir, Map.of("MY_SECRET", SECRET), "start", "--secret-env", "MY_SECRET", "--debug")) {
      Path pipe = cli.awaitSocket();
      Map<String, String> unsigned = Map.of("EPHEMERAL_PIPE", pipe.toString());
      Map<String, String> wrong =
          Map.of("EPHEMERAL_PIPE", pipe.toString(), "EPHEMERAL_SECRET", "wrong");
      Map<String, String> right =
          Map.of("EPHEMERAL_PIPE", pipe.toString(), "EPHEMERAL_SECRET", SECRET);
      for (Map<String, String> env : java.util.List.of(unsigned, wrong, right)) {
        for (String[] args :
            new String[][] {
              {"get", "k"},
              {"set", "k", "v", "--ttl", "60000"},
              {"list"},
              {"stats"},
              {"health"},
              {"metrics"},
              {"services"}
            }) {
          Result r = Cli.ctl(env, args);
          seen.append(r).append('\n');
        }
      }
      cli.signal("TERM");
      assertThat(cli.exitStatus()).isZero();
      String log = cli.stderr();
      assertThat(log)
          .contains("Broker started")
          .contains("[broker] Processing request (action=set correlationId="); // one per request
      assertThat(seen).contains("auth_failed").contains("\"items\": 1");
      assertThat(log + cli.stdout()).doesNotContain(SECRET);
      assertThat(seen).doesNotContain(SECRET);
    }
  }
}
