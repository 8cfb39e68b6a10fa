package io.ephemeral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ephemeral.cli.Cli.Result;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * brokerctl's human output and exit status for every command, against a real broker (the {@code
 * --json} documents are in {@link CtlJsonTest}).
 */
class CtlTest extends BrokerInThisJvm {

  private Result ctl(String... args) {
    return Cli.ctl(pipe, args);
  }

  private String ok(String... args) {
    Result result = ctl(args);
    assertThat(result.status()).as(result.toString()).isZero();
    assertThat(result.err()).as(result.toString()).isEmpty();
    return result.out();
  }

  /** A refusal by the broker: exit 1, nothing on stdout, the reason on stderr. */
  private String fails(String... args) {
    return fails(ExitStatus.REFUSED, args);
  }

  private String fails(ExitStatus status, String... args) {
    Result result = ctl(args);
    assertThat(result.status()).as(result.toString()).isEqualTo(status.code);
    assertThat(result.out()).as(result.toString()).isEmpty();
    assertThat(result.err()).as(result.toString()).startsWith("Error: ");
    return result.err();
  }

  @Test
  void setStoresAStringAndGetPrintsItsJsonText() {
    assertThat(ok("set", "greeting", "he said \"hi\"\n", "--ttl", "60000")).isEqualTo("OK\n");
    assertThat(ok("get", "greeting")).isEqualTo("\"he said \\\"hi\\\"\\n\"\n");
  }

  @Test
  void setJsonStoresTheJsonValueAsGiven() {
    assertThat(ok("set", "doc", "{\"a\":[1,2.5,null],\"b\":{}}", "--json-value", "--ttl", "60000"))
        .isEqualTo("OK\n");
    assertThat(ok("get", "doc")).isEqualTo("{\"a\":[1,2.5,null],\"b\":{}}\n");
    assertThat(ok("set", "n", "42", "--json-value", "--ttl", "60000")).isEqualTo("OK\n");
    assertThat(ok("get", "n")).isEqualTo("42\n");
  }

  @Test
  void setJsonRejectsInvalidJsonAsAUsageError() {
    assertThat(fails(ExitStatus.USAGE, "set", "doc", "{bad", "--json-value", "--ttl", "60000"))
        .contains("not one valid JSON value")
        .doesNotContain("\n at ");
    assertThat(fails("get", "doc")).contains("not_found");
  }

  @Test
  void setWithoutTtlFollowsTheBrokersRequireTtl() {
    assertThat(fails("set", "k", "v")).contains("ttl_required");
  }

  @Test
  void getOfMissingKeyFails() {
    assertThat(fails("get", "missing")).contains("not_found");
  }

  @Test
  void delPrintsOkAlsoForMissingKeys() {
    ok("set", "k", "v", "--ttl", "60000");
    assertThat(ok("del", "k")).isEqualTo("OK\n");
    assertThat(ok("del", "k")).isEqualTo("OK\n");
    assertThat(fails("get", "k")).contains("not_found");
  }

  @Test
  void listPrintsIndentedJson() {
    assertThat(ok("list")).isEqualTo("{}\n");
    ok("set", "k", "v", "--ttl", "60000");
    assertThat(ok("list"))
        .matches("\\{\n  \"k\": \\{\n    \"expires\": \\d+,\n    \"hasValue\": true\n  }\n}\n");
  }

  @Test
  void statsPrintsIndentedJson() {
    ok("set", "k", "v", "--ttl", "60000");
    assertThat(ok("stats"))
        .startsWith(
            "{\n  \"items\": 1,\n  \"leases\": 0,\n  \"leaseWaiters\": 0,\n  \"capacity\": {\n"
                + "    \"items\": 1,\n    \"maxItems\": 10000,\n    \"utilization\": 0,\n")
        .contains("\n  \"memory\": {\n    \"rss\": ")
        .containsPattern("\n  \"uptime\": \\d+\n}\n$");
  }

  @Test
  void healthPrintsIndentedJson() {
    assertThat(ok("health"))
        .startsWith("{\n  \"status\": \"healthy\",\n  \"uptime\": ")
        .contains(
            "\n  \"connections\": {\n    \"inFlight\": 1,\n    \"draining\": false\n  }\n}\n");
  }

  @Test
  void pingPrintsTheRoundTrip() {
    assertThat(ok("ping")).matches("pong \\(\\d+ms\\)\n");
  }

  @Test
  void leasePrintsTheNumberAndReleaseSaysWhetherItHeldOne() {
    assertThat(ok("lease", "pool", "w1", "--ttl", "60000")).isEqualTo("0\n");
    assertThat(ok("lease", "pool", "w2")).isEqualTo("1\n");
    assertThat(ok("lease", "pool", "w1", "--ttl", "60000")).isEqualTo("0\n");
    assertThat(fails("lease", "other", "w1")).contains("worker_already_has_lease");
    assertThat(ok("release", "w1")).isEqualTo("OK\n");
    assertThat(fails("release", "w1")).isEqualTo("Error: worker w1 holds no lease\n");
    assertThat(ok("lease", "pool", "w3")).isEqualTo("0\n");
  }

  @Test
  void metricsPrintsThePrometheusText() {
    ok("ping");
    assertThat(ok("metrics"))
        .contains("# TYPE ephemeral_broker_requests_total counter\n")
        .contains("ephemeral_broker_operations_total{action=\"ping\",result=\"success\"} 1\n")
        .endsWith("\n")
        .doesNotEndWith("\n\n");
  }

  @Test
  void pipeComesFromEphemeralPipeOrTheFlagWherever() {
    assertThat(Cli.ctl(Map.of("EPHEMERAL_PIPE", pipe.toString()), "ping").status()).isZero();
    assertThat(
            Cli.ctl(
                    Map.of("EPHEMERAL_PIPE", "/nonexistent/x.sock"),
                    "--pipe",
                    pipe.toString(),
                    "ping")
                .status())
        .isZero();
    assertThat(Cli.ctl(Map.of(), "ping", "--pipe", pipe.toString()).status()).isZero();
  }

  @Test
  void noPipeAtAllTellsWhatToDo() {
    Result result = Cli.ctl(Map.of(), "ping");
    assertThat(result.status()).isEqualTo(ExitStatus.UNAVAILABLE.code);
    assertThat(result.err())
        .isEqualTo("Error: no broker pipe: pass --pipe PATH or set EPHEMERAL_PIPE\n");
  }

  @Test
  void missingSocketSaysBrokerNotRunning() {
    Path gone = dir.resolve("gone.sock");
    for (String command :
        new String[] {
          "get k",
          "set k v",
          "del k",
          "list",
          "stats",
          "ping",
          "lease k w",
          "release w",
          "health",
          "metrics"
        }) {
      Result result = Cli.ctl(gone, command.split(" "));
      assertThat(result.status()).as(command).isEqualTo(ExitStatus.UNAVAILABLE.code);
      assertThat(result.err())
          .as(command)
          .isEqualTo("Error: broker not running (no socket at " + gone + ")\n");
    }
  }

  @Test
  void staleSocketSaysBrokerNotRunning() throws IOException {
    Path stale = dir.resolve("stale.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(stale)); // the file stays after close
    }
    Result result = Cli.ctl(stale, "--timeout", "200", "ping");
    assertThat(result.status()).isEqualTo(ExitStatus.UNAVAILABLE.code);
    assertThat(result.err()).startsWith("Error: broker not running: ").contains("ECONNREFUSED");
  }

  @Test
  void usageErrorsExitTwoAndSayWhatToTry() {
    assertThat(fails(ExitStatus.USAGE, "frobnicate"))
        .isEqualTo(
            "Error: unknown command 'frobnicate'\nTry 'brokerctl --help' for more information.\n");
    assertThat(fails(ExitStatus.USAGE, "get"))
        .isEqualTo(
            "Error: Missing required parameter: 'KEY'\n"
                + "Try 'brokerctl get --help' for more information.\n");
    assertThat(fails(ExitStatus.USAGE, "set", "k", "v", "--ttl", "soon"))
        .contains("'soon' is not a long")
        .endsWith("Try 'brokerctl set --help' for more information.\n");
    assertThat(fails(ExitStatus.USAGE)).contains("Missing required subcommand");
    assertThat(fails(ExitStatus.USAGE, "top", "--interval", "5"))
        .contains("--interval must be at least 10 ms");
  }

  @Test
  void helpListsTheCommands() {
    Result result = Cli.ctl(Map.of(), "--help");
    assertThat(result.status()).isZero();
    assertThat(result.out())
        .contains(
            "get",
            "set",
            "del",
            "list",
            "stats",
            "ping",
            "lease",
            "release",
            "health",
            "metrics",
            "EPHEMERAL_PIPE");
  }
}
