package io.ephemeral.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Java client and a client that behaves exactly like the Node one share a signed broker:
 * values, compressed values and leases cross between them, and unsigned or wrongly signed Node
 * requests are rejected.
 */
class NodeInteropTest {
  private static final String SECRET = "interop-s3cret-\u00e9";
  private static final Duration MINUTE = Duration.ofMinutes(1);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path SCRIPT = Path.of("src", "test", "node", "node-client.mjs");

  private BrokerFixture broker;
  private BrokerClient client;

  @BeforeEach
  void start() throws Exception {
    broker = BrokerFixture.start(b -> b.secret(SECRET));
    client = broker.client().secret(SECRET).build();
  }

  @AfterEach
  void stop() {
    client.close();
    broker.close();
  }

  /** Runs the Node client with the given operations and returns one result per operation. */
  private JsonNode node(String secret, Object... ops) throws Exception {
    assertThat(SCRIPT).as("the Node client script").exists();
    List<String> command =
        List.of(
            "node",
            SCRIPT.toString(),
            broker.socket.toString(),
            secret,
            JSON.writeValueAsString(List.of(ops)));
    Process p;
    try {
      p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    } catch (IOException e) {
      return fail("This test needs Node.js (18 or newer) as `node` on the PATH: " + e.getMessage());
    }
    CompletableFuture<byte[]> out =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return p.getInputStream().readAllBytes();
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("the Node client did not finish within 60 s");
    }
    String stdout = new String(out.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as("node exit code; output: %s", stdout).isZero();
    JsonNode results = JSON.readTree(stdout);
    assertThat(results.size()).isEqualTo(ops.length);
    return results;
  }

  private static Map<String, Object> op(Object... kv) {
    Map<String, Object> m = new java.util.LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  private static JsonNode ok(JsonNode result) {
    assertThat(result.get("ok").asBoolean()).as("%s", result).isTrue();
    return result.get("result");
  }

  private static List<Map<String, Object>> bigRows(String who) {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      rows.add(Map.of("id", i, "by", who, "text", "r\u00e9sum\u00e9 \uD83D\uDE00 line " + i));
    }
    return rows;
  }

  @Test
  void valuesCrossBetweenJavaAndNode() throws Exception {
    Map<String, Object> small =
        Map.of("name", "J\u00e9r\u00f4me \uD83D\uDE00", "n", 1.5, "big", 1e21);
    client.set("from-java", small, MINUTE);
    client.set("java-big", bigRows("java"), MINUTE);

    JsonNode r =
        node(
            SECRET,
            op("op", "get", "key", "from-java"),
            op("op", "get", "key", "java-big"),
            op("op", "stored", "key", "java-big"),
            op(
                "op",
                "set",
                "key",
                "from-node",
                "value",
                Map.of("list", List.of(1, 2, 3), "s", "\u2028"),
                "ttl",
                60_000),
            op("op", "set", "key", "node-big", "value", bigRows("node"), "ttl", 60_000),
            op("op", "stored", "key", "node-big"),
            op("op", "ping"),
            op("op", "list"));

    assertThat(ok(r.get(0))).isEqualTo(JSON.valueToTree(small));
    assertThat(ok(r.get(1)))
        .as("Node decompresses what Java compressed")
        .isEqualTo(JSON.valueToTree(bigRows("java")));
    assertThat(ok(r.get(2)).get("compressed").asBoolean()).isTrue();
    ok(r.get(3));
    ok(r.get(4));
    assertThat(ok(r.get(5)).get("compressed").asBoolean())
        .as("Node compressed its big value")
        .isTrue();
    assertThat(ok(r.get(6)).asLong()).isEqualTo(broker.clock.millis());
    assertThat(ok(r.get(7)).has("from-java")).isTrue();

    assertThat(client.get("from-node", new TypeReference<Map<String, Object>>() {}))
        .isEqualTo(Map.of("list", List.of(1, 2, 3), "s", "\u2028"));
    assertThat(JSON.readTree(client.getRaw("node-big")))
        .isEqualTo(JSON.valueToTree(bigRows("node")));
    assertThat(client.get("node-big", new TypeReference<List<Map<String, Object>>>() {}))
        .hasSize(200);
  }

  @Test
  void leasesAreSharedWithNodeWorkers() throws Exception {
    JsonNode first =
        node(SECRET, op("op", "lease", "key", "pool", "workerId", "node-1", "ttl", 60_000));
    assertThat(ok(first.get(0)).asInt()).isZero();
    assertThat(client.lease("pool", "java-1", MINUTE)).isEqualTo(1);
    JsonNode second =
        node(
            SECRET,
            op("op", "lease", "key", "pool", "workerId", "node-1", "ttl", 60_000),
            op("op", "lease", "key", "pool", "workerId", "node-2"),
            op("op", "release", "workerId", "node-1"),
            op("op", "release", "workerId", "node-1"));
    assertThat(ok(second.get(0)).asInt()).as("renewal").isZero();
    assertThat(ok(second.get(1)).asInt()).isEqualTo(2);
    assertThat(ok(second.get(2)).asBoolean()).isTrue();
    assertThat(ok(second.get(3)).asBoolean()).isFalse();
    assertThat(client.lease("pool", "java-2", MINUTE)).as("number 0 was freed by Node").isZero();
    assertThat(client.release("java-1")).isTrue();
  }

  @Test
  void deletesAndMissingKeysLookTheSame() throws Exception {
    client.set("doomed", 1, MINUTE);
    JsonNode r = node(SECRET, op("op", "del", "key", "doomed"), op("op", "get", "key", "doomed"));
    assertThat(ok(r.get(0)).asBoolean()).isTrue();
    assertThat(r.get(1).get("error").asText()).isEqualTo("not_found");
    assertThat(client.list()).doesNotContainKey("doomed");
  }

  @Test
  void unsignedAndWronglySignedNodeRequestsAreRejected() throws Exception {
    for (String secret : List.of("-", "not-the-secret")) {
      JsonNode r =
          node(
              secret,
              op("op", "set", "key", "intruder", "value", 1, "ttl", 60_000),
              op("op", "ping"),
              op("op", "lease", "key", "pool", "workerId", "x", "ttl", 1_000));
      for (JsonNode result : r) {
        assertThat(result.get("ok").asBoolean()).isFalse();
        assertThat(result.get("error").asText()).isEqualTo("auth_failed");
      }
    }
    assertThat(client.list()).doesNotContainKey("intruder");
  }

  @Test
  void nodeCompressionSettingsAreHonouredByJavaReads() throws Exception {
    node(
        SECRET,
        op("op", "options", "compressionThreshold", 5),
        op("op", "set", "key", "tiny", "value", "compressed anyway", "ttl", 60_000),
        op("op", "options", "compression", false),
        op("op", "set", "key", "plain", "value", "x".repeat(5_000), "ttl", 60_000));
    assertThat(client.get("tiny", String.class)).isEqualTo("compressed anyway");
    assertThat(client.get("plain", String.class)).hasSize(5_000);
    assertThat(Files.exists(SCRIPT)).isTrue();
  }
}
