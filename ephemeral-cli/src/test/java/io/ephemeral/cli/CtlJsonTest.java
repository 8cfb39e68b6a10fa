package io.ephemeral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ephemeral.broker.Broker;
import io.ephemeral.cli.Cli.Result;
import io.ephemeral.client.service.ServiceClient;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code --json}: every subcommand prints exactly one JSON document on stdout, for success and for
 * each kind of failure, with the exit status of {@link ExitStatus}.
 */
class CtlJsonTest extends BrokerInThisJvm {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** Runs brokerctl with --json, expecting {@code status} and one JSON document on stdout. */
  private JsonNode json(ExitStatus status, String... args) {
    String[] withJson = new String[args.length + 1];
    withJson[0] = "--json";
    System.arraycopy(args, 0, withJson, 1, args.length);
    Result result = Cli.ctl(pipe, withJson);
    assertThat(result.status()).as(result.toString()).isEqualTo(status.code);
    assertThat(result.out()).as(result.toString()).endsWith("\n").hasLineCount(1);
    try {
      return MAPPER
          .readerFor(JsonNode.class)
          .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .readValue(result.out());
    } catch (IOException e) {
      throw new AssertionError("not one JSON document: " + result, e);
    }
  }

  @Test
  void everySubcommandPrintsOneJsonDocument() throws Exception {
    try (ServiceClient calc = ServiceClient.builder().serviceName("calc").gateway(pipe).build()) {
      calc.registerMethod("double", (params, ctx) -> params.path("n").asInt() * 2);
      calc.connect();

      Map<String, Runnable> checks = new LinkedHashMap<>();
      checks.put(
          "set",
          () ->
              assertThat(json(ExitStatus.OK, "set", "k", "v", "--ttl", "60000").toString())
                  .isEqualTo("{\"ok\":true,\"key\":\"k\"}"));
      checks.put(
          "get",
          () ->
              assertThat(json(ExitStatus.OK, "get", "k").toString())
                  .isEqualTo("{\"key\":\"k\",\"value\":\"v\"}"));
      checks.put(
          "list",
          () -> {
            JsonNode list = json(ExitStatus.OK, "list");
            assertThat(list.path("k").path("expires").isIntegralNumber()).isTrue();
            assertThat(list.path("k").path("hasValue").asBoolean()).isTrue();
          });
      checks.put(
          "stats", () -> assertThat(json(ExitStatus.OK, "stats").path("items").asInt()).isOne());
      checks.put(
          "health",
          () ->
              assertThat(json(ExitStatus.OK, "health").path("status").asText())
                  .isEqualTo("healthy"));
      checks.put(
          "ping",
          () -> {
            JsonNode ping = json(ExitStatus.OK, "ping");
            assertThat(ping.path("ok").asBoolean()).isTrue();
            assertThat(ping.path("roundTripMs").isNumber()).isTrue();
          });
      checks.put(
          "lease",
          () ->
              assertThat(json(ExitStatus.OK, "lease", "pool", "w1", "--ttl", "60000").toString())
                  .isEqualTo("{\"key\":\"pool\",\"worker\":\"w1\",\"slot\":0}"));
      checks.put(
          "release",
          () ->
              assertThat(json(ExitStatus.OK, "release", "w1").toString())
                  .isEqualTo("{\"ok\":true,\"worker\":\"w1\"}"));
      checks.put(
          "del",
          () ->
              assertThat(json(ExitStatus.OK, "del", "k").toString())
                  .isEqualTo("{\"ok\":true,\"key\":\"k\",\"deleted\":true}"));
      checks.put(
          "metrics",
          () ->
              assertThat(json(ExitStatus.OK, "metrics").path("requests").path("set").asInt())
                  .isOne());
      checks.put(
          "services",
          () -> {
            assertThat(json(ExitStatus.OK, "services").get(0).path("name").asText())
                .isEqualTo("calc");
            assertThat(json(ExitStatus.OK, "services", "--graph").path("graph").asText())
                .startsWith("graph LR\n");
          });
      checks.put(
          "top",
          () -> {
            JsonNode frame = json(ExitStatus.OK, "top", "--interval", "10");
            assertThat(frame.path("actions").isArray()).isTrue();
            assertThat(frame.path("services").get(0).path("name").asText()).isEqualTo("calc");
          });
      checks.put(
          "call",
          () ->
              assertThat(json(ExitStatus.OK, "call", "calc", "double", "{\"n\":21}").toString())
                  .isEqualTo("{\"result\":42}"));
      checks.put(
          "help",
          () ->
              assertThat(json(ExitStatus.OK, "help", "get").path("usage").asText())
                  .startsWith("Usage: brokerctl get "));

      assertThat(checks.keySet())
          .as("a check for every subcommand")
          .containsExactlyInAnyOrderElementsOf(CtlHelpTest.subcommands());
      checks.values().forEach(Runnable::run);
    }
  }

  @Test
  void theBrokerSayingNoIsStatusOneWithItsCode() {
    assertThat(json(ExitStatus.REFUSED, "get", "missing").toString())
        .isEqualTo(
            "{\"error\":{\"code\":\"not_found\","
                + "\"message\":\"get \\\"missing\\\" failed: not_found (no such key)\"}}");
    assertThat(json(ExitStatus.REFUSED, "release", "nobody").path("error").path("code").asText())
        .isEqualTo("not_found");
    assertThat(json(ExitStatus.REFUSED, "set", "k", "v").path("error").path("code").asText())
        .isEqualTo("ttl_required");
    assertThat(json(ExitStatus.REFUSED, "call", "nobody", "x").path("error").path("code").asText())
        .isEqualTo("SERVICE_NOT_FOUND");
  }

  @Test
  void aBadCommandLineIsStatusTwo() {
    assertThat(json(ExitStatus.USAGE, "gte", "k").toString())
        .isEqualTo("{\"error\":{\"code\":\"usage\",\"message\":\"unknown command 'gte'\"}}");
    assertThat(json(ExitStatus.USAGE, "get").path("error").path("message").asText())
        .isEqualTo("Missing required parameter: 'KEY'");
    assertThat(json(ExitStatus.USAGE, "set", "k", "{", "--json-value").path("error").path("code"))
        .hasToString("\"usage\"");
  }

  @Test
  void noBrokerIsStatusThree() {
    pipe = dir.resolve("gone.sock");
    assertThat(json(ExitStatus.UNAVAILABLE, "ping").path("error").path("code").asText())
        .isEqualTo("ENOENT");
    Result noPipe = Cli.ctl(Map.of(), "--json", "ping");
    assertThat(noPipe.status()).isEqualTo(ExitStatus.UNAVAILABLE.code);
    assertThat(noPipe.out())
        .isEqualTo(
            "{\"error\":{\"code\":\"ENOPIPE\","
                + "\"message\":\"no broker pipe: pass --pipe PATH or set EPHEMERAL_PIPE\"}}\n");
  }

  @Test
  void aRefusedSecretIsStatusThree() throws IOException {
    try (Broker signed =
        Broker.builder()
            .environment(Map.of())
            .shutdownHook(false)
            .secret("s3cret")
            .socketPath(dir.resolve("signed.sock"))
            .build()) {
      pipe = signed.start();
      assertThat(json(ExitStatus.UNAVAILABLE, "ping").path("error").path("code").asText())
          .isEqualTo("auth_failed");
    }
  }
}
