package io.ephemeral.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ephemeral.broker.Broker;
import io.ephemeral.cli.Cli.Result;
import io.ephemeral.client.service.ServiceClient;
import io.ephemeral.client.service.ServiceException;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every numeric flag of {@code start} really takes effect (the original's all parsed to NaN), flags
 * beat {@code BROKER_*} variables and the variables apply when no flag is given (the original CLI
 * overrode them). The broker runs in a CLI process; brokerctl runs in this JVM.
 */
class StartFlagsTest {

  @TempDir Path dir;

  @Test
  void maxItemsLimitsDistinctKeys() {
    try (Cli cli = Cli.start(dir, "start", "--max-items", "5")) {
      Path pipe = cli.awaitSocket();
      for (int i = 1; i <= 5; i++) {
        assertThat(Cli.ctl(pipe, "set", "k" + i, "v", "--ttl", "60000").out()).isEqualTo("OK\n");
      }
      Result sixth = Cli.ctl(pipe, "set", "k6", "v", "--ttl", "60000");
      assertThat(sixth.status()).as(sixth.toString()).isEqualTo(1);
      assertThat(sixth.err()).startsWith("Error: ").contains("max_items");
      assertThat(Cli.ctl(pipe, "set", "k1", "overwrite", "--ttl", "60000").status()).isZero();
      assertThat(Cli.ctl(pipe, "stats").out()).contains("\"maxItems\": 5");
      stop(cli);
    }
  }

  @Test
  void everyOptionOfTheTableHasAFlagEvictionPolicyIncluded() {
    // --eviction-policy had no flag before the option table gave every option one.
    try (Cli cli = Cli.start(dir, "start", "--max-items", "2", "--eviction-policy", "lru")) {
      Path pipe = cli.awaitSocket();
      for (int i = 1; i <= 3; i++) {
        assertThat(Cli.ctl(pipe, "set", "k" + i, "v", "--ttl", "60000").out()).isEqualTo("OK\n");
      }
      assertThat(Cli.ctl(pipe, "get", "k1").status()).as("evicted").isEqualTo(1);
      assertThat(Cli.ctl(pipe, "get", "k3").out()).isEqualTo("\"v\"\n");
      stop(cli);
    }
  }

  @Test
  void aRepeatedNamesFlagGivesAllItsNames() {
    // --allow-unsigned-service is the table's NAMES row: each occurrence adds its names.
    try (Cli cli =
        Cli.start(
            dir,
            Map.of("S", "s3cret"),
            "start",
            "--secret-env",
            "S",
            "--allow-unsigned-service",
            "node-*",
            "--allow-unsigned-service",
            "legacy")) {
      Path pipe = cli.awaitSocket();
      try (ServiceClient first = unsigned(pipe, "node-orders");
          ServiceClient second = unsigned(pipe, "legacy");
          ServiceClient other = unsigned(pipe, "billing")) {
        first.connect();
        second.connect();
        assertThatThrownBy(other::connect)
            .isInstanceOf(ServiceException.class)
            .hasMessageContaining("secret");
      }
      stop(cli);
    }
  }

  /** A service client without the secret (it cannot prove it). */
  private static ServiceClient unsigned(Path pipe, String name) {
    return ServiceClient.builder()
        .serviceName(name)
        .gateway(pipe)
        .environment(Map.of())
        .autoReconnect(false)
        .timeout(java.time.Duration.ofSeconds(10))
        .build();
  }

  @Test
  void maxValueSizeLimitsValues() {
    try (Cli cli = Cli.start(dir, "start", "--max-value-size", "10")) {
      Path pipe = cli.awaitSocket();
      assertThat(Cli.ctl(pipe, "set", "small", "12345", "--json-value", "--ttl", "60000").status())
          .isZero();
      Result large =
          Cli.ctl(pipe, "set", "large", "12345678901234567890", "--json-value", "--ttl", "60000");
      assertThat(large.status()).as(large.toString()).isEqualTo(1);
      assertThat(large.err()).contains("too_large");
      stop(cli);
    }
  }

  @Test
  void maxRequestSizeLimitsRequestLines() {
    try (Cli cli = Cli.start(dir, "start", "--max-request-size", "200")) {
      Path pipe = cli.awaitSocket();
      assertThat(Cli.ctl(pipe, "set", "small", "x", "--ttl", "60000").status()).isZero();
      Result large = Cli.ctl(pipe, "set", "large", "x".repeat(300), "--ttl", "60000");
      assertThat(large.status()).as(large.toString()).isEqualTo(1);
      assertThat(large.err()).contains("too_large");
      stop(cli);
    }
  }

  @Test
  void ttlSetsTheDefaultTtl() {
    try (Cli cli = Cli.start(dir, "start", "--ttl", "300", "--no-require-ttl")) {
      Path pipe = cli.awaitSocket();
      long before = System.currentTimeMillis();
      assertThat(Cli.ctl(pipe, "set", "short", "lived").status()).isZero();
      Matcher expires = Pattern.compile("\"expires\": (\\d+)").matcher(Cli.ctl(pipe, "list").out());
      if (expires.find()) { // else already expired: fine too
        assertThat(Long.parseLong(expires.group(1)))
            .isBetween(before + 300, System.currentTimeMillis() + 300);
      }
      Cli.await("the key to expire", () -> Cli.ctl(pipe, "get", "short").status() == 1);
      assertThat(Cli.ctl(pipe, "get", "short").err()).containsAnyOf("not_found", "expired");
      stop(cli);
    }
  }

  @Test
  void ttlIsRequiredUnlessNoRequireTtl() {
    try (Cli cli = Cli.start(dir, "start")) {
      Result noTtl = Cli.ctl(cli.awaitSocket(), "set", "k", "v");
      assertThat(noTtl.status()).isEqualTo(1);
      assertThat(noTtl.err()).contains("ttl_required");
      stop(cli);
    }
  }

  @Test
  void environmentAppliesWhenNoFlagIsGiven() {
    try (Cli cli =
        Cli.start(dir, Map.of("BROKER_MAX_ITEMS", "2", "BROKER_REQUIRE_TTL", "false"), "start")) {
      Path pipe = cli.awaitSocket();
      assertThat(Cli.ctl(pipe, "set", "a", "1").status()).isZero(); // no ttl: env said so
      assertThat(Cli.ctl(pipe, "set", "b", "2").status()).isZero();
      assertThat(Cli.ctl(pipe, "set", "c", "3").err()).contains("max_items");
      stop(cli);
    }
  }

  @Test
  void flagBeatsEnvironment() {
    try (Cli cli = Cli.start(dir, Map.of("BROKER_MAX_ITEMS", "2"), "start", "--max-items", "3")) {
      Path pipe = cli.awaitSocket();
      for (String key : new String[] {"a", "b", "c"}) {
        assertThat(Cli.ctl(pipe, "set", key, "v", "--ttl", "60000").status()).isZero();
      }
      assertThat(Cli.ctl(pipe, "set", "d", "v", "--ttl", "60000").err()).contains("max_items");
      stop(cli);
    }
  }

  @Test
  void socketFlagBindsExactlyThatPath() {
    Path socket = dir.resolve("exact.sock");
    try (Cli cli = Cli.start(dir, "start", "--socket", socket.toString())) {
      assertThat(cli.awaitSocket()).isEqualTo(socket);
      assertThat(Cli.ctl(socket, "ping").status()).isZero();
      stop(cli);
      assertThat(socket).doesNotExist();
      assertThat(dir).exists();
    }
  }

  @Test
  void pipeIdNamesTheSocket() {
    try (Cli cli = Cli.start(dir, "start", "--pipe-id", "cli-test")) {
      assertThat(cli.awaitSocket().getFileName()).hasToString("broker-cli-test.sock");
      stop(cli);
    }
  }

  @Test
  void heartbeatIntervalLogsHeartbeats() {
    try (Cli cli = Cli.start(dir, "start", "--heartbeat-interval", "50")) {
      cli.awaitSocket();
      Cli.await("a heartbeat line", () -> cli.stderr().contains("[broker] Heartbeat"));
      stop(cli);
    }
  }

  @Test
  void structuredLoggingWritesOneJsonObjectPerLine() {
    try (Cli cli = Cli.start(dir, "start", "--structured-logging")) {
      cli.awaitSocket();
      Cli.await("the start log line", () -> cli.stderr().contains("Broker started"));
      stop(cli);
      assertThat(cli.stderr().lines())
          .isNotEmpty()
          .allSatisfy(
              line ->
                  assertThat(line)
                      .startsWith("{")
                      .endsWith("}")
                      .contains("\"component\":\"broker\""));
    }
  }

  @Test
  void logLevelErrorSilencesTheInfoLines() {
    try (Cli cli = Cli.start(dir, "start", "--log-level", "error", "--", "sh", "-c", "exit 0")) {
      assertThat(cli.exitStatus()).isZero();
      assertThat(cli.stderr()).isEmpty();
    }
  }

  @Test
  void debugLogsDebugLines() {
    try (Cli cli = Cli.start(dir, "start", "--debug", "--", "sh", "-c", "exit 0")) {
      assertThat(cli.exitStatus()).isZero();
      assertThat(cli.stderr()).contains("[broker] Child process started");
    }
  }

  @Test
  void liveBrokerOnTheSocketIsNotReplaced() throws Exception {
    Path socket = dir.resolve("live.sock");
    try (Broker live =
        Broker.builder().environment(Map.of()).shutdownHook(false).socketPath(socket).build()) {
      live.start();
      try (Cli cli = Cli.start(dir, "start", "--socket", socket.toString(), "--", "true")) {
        assertThat(cli.exitStatus()).as(cli.describe()).isEqualTo(ExitStatus.UNAVAILABLE.code);
        assertThat(cli.stderr()).contains("Failed to start broker: Broker already running");
        assertThat(cli.stdout()).isEmpty();
      }
      assertThat(Cli.ctl(socket, "ping").status()).isZero();
    }
  }

  @Test
  void socketPathTooLongIsAStartFailure() {
    Path socket = dir.resolve("d".repeat(120) + ".sock");
    try (Cli cli = Cli.start(dir, "start", "--socket", socket.toString())) {
      assertThat(cli.exitStatus()).as(cli.describe()).isEqualTo(ExitStatus.UNAVAILABLE.code);
      assertThat(cli.stderr()).startsWith("Failed to start broker: ");
    }
  }

  private static void stop(Cli cli) {
    cli.signal("TERM");
    assertThat(cli.exitStatus()).as(cli.describe()).isZero();
  }
}
