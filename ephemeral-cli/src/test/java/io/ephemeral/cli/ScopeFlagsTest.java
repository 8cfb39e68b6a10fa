package io.ephemeral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ephemeral.cli.Cli.Result;
import io.ephemeral.client.BrokerScope;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ephemeral-broker start --scope NAME [--detach]} and {@code brokerctl --scope NAME}: a
 * second terminal reaches a broker by its scope's name, with real processes.
 */
class ScopeFlagsTest {
  private static final Pattern PID = Pattern.compile("\\(pid (\\d+)\\)");

  @TempDir Path dir;

  private Map<String, String> env() {
    return Map.of("TMPDIR", dir.resolve("tmp").toString());
  }

  @Test
  void aDetachedBrokerServesItsScopeUntilKilledAndASecondOneIsRefused() throws Exception {
    String name = "cli " + UUID.randomUUID();
    Cli detached = Cli.start(dir, "start", "--scope", name, "--detach", "--max-items", "5");
    assertThat(detached.exitStatus()).as(detached.describe()).isZero();
    Matcher m = PID.matcher(detached.stdout());
    assertThat(m.find()).as(detached.describe()).isTrue();
    long pid = Long.parseLong(m.group(1));
    try {
      assertThat(ProcessHandle.of(pid)).as("the broker runs on in the background").isPresent();
      Result set = Cli.ctl(env(), "--scope", name, "set", "k", "v", "--ttl", "60000");
      assertThat(set.status()).as(set.toString()).isZero();
      Result get = Cli.ctl(env(), "--scope", name, "get", "k");
      assertThat(get.out()).as(get.toString()).isEqualTo("\"v\"\n");
      Result stats = Cli.ctl(env(), "--scope", name, "stats");
      assertThat(stats.out()).as("the flags given reached it").contains("\"maxItems\": 5");
      assertThat(BrokerScope.named(name, env()::get).socket().toString())
          .isEqualTo(detached.stdout().split("running on: ")[1].split(" \\(pid")[0]);

      Cli second = Cli.start(dir, "start", "--scope", name, "--detach");
      assertThat(second.exitStatus()).as(second.describe()).isEqualTo(ExitStatus.UNAVAILABLE.code);
      assertThat(second.stderr()).contains("A broker already serves scope \"" + name + "\"");
    } finally {
      Cli.kill("TERM", pid);
    }
    ProcessHandle.of(pid).ifPresent(h -> h.onExit().join());
    Result after = Cli.ctl(env(), "--scope", name, "ping");
    assertThat(after.status()).isEqualTo(ExitStatus.UNAVAILABLE.code);
    assertThat(after.err()).contains("no broker serves scope \"" + name + "\"");
  }

  @Test
  void withoutANameTheScopeIsTheCurrentDirectory() throws Exception {
    try (Cli broker = Cli.start(dir, "start", "--scope")) {
      Path socket = BrokerScope.ofDirectory(Path.of(""), env()::get).socket();
      assertThat(broker.awaitSocket()).isEqualTo(socket); // printed once it handles signals
      Result ping = Cli.ctl(env(), "--scope", "ping");
      assertThat(ping.status()).as(ping.toString()).isZero();
      assertThat(ping.out()).startsWith("pong");
      broker.signal("TERM");
      assertThat(broker.exitStatus()).isZero();
      assertThat(socket).doesNotExist();
      assertThat(BrokerScope.ofDirectory(Path.of(""), env()::get).pidFile()).doesNotExist();
    }
  }

  @Test
  void detachNeedsAScope() {
    Cli cli = Cli.start(dir, "start", "--detach");
    assertThat(cli.exitStatus()).isEqualTo(ExitStatus.USAGE.code);
    assertThat(cli.stderr()).contains("--detach needs --scope");
    assertThat(cli.process().isAlive()).isFalse();
  }
}
