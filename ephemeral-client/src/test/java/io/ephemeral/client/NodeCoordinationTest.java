package io.ephemeral.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.ephemeral.client.service.NodeService;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Node snippets of the broker README's coordination section, run as written with the published
 * {@code @ephemeral-broker/core} client (from npm) against a real broker, beside Java clients: a
 * Node worker joins a pool of 3 made by Java and waits for a slot through {@code request()}, shares
 * a computed value with Java, takes a job with setIfAbsent, counts, meets Java at a barrier and
 * keeps to a rate limit.
 */
class NodeCoordinationTest {
  private static final Path README = Path.of("..", "ephemeral-broker", "README.md");
  private static final Duration MINUTE = Duration.ofMinutes(1);

  private BrokerFixture f;
  private BrokerClient java;

  @BeforeEach
  void start() throws Exception {
    NodeService.installDependencies();
    f = BrokerFixture.start();
    java = f.client().timeout(Duration.ofSeconds(20)).build();
  }

  @AfterEach
  void stop() {
    java.close();
    f.close();
  }

  /** The README's snippet {@code name}: the fenced block whose first line names it. */
  static String snippet(String name) throws IOException {
    Matcher m =
        Pattern.compile(
                "```javascript\\n// snippet: " + Pattern.quote(name) + "\\n(.*?)```",
                Pattern.DOTALL)
            .matcher(Files.readString(README));
    assertThat(m.find()).as("snippet %s in %s", name, README).isTrue();
    return m.group(1);
  }

  /** A running snippet: its output lines as they come. */
  private final class Node implements AutoCloseable {
    final Process process;
    final BufferedReader out;
    final List<String> seen = new ArrayList<>();

    Node(String name, String prelude) throws Exception {
      // Below the package's directory (ignored by git), so that Node finds its node_modules.
      Path script =
          Files.createDirectories(NodeService.DIR.resolve("target")).resolve(name + ".mjs");
      Files.writeString(script, prelude + "\n" + snippet(name));
      ProcessBuilder pb = new ProcessBuilder("node", script.toString()).redirectErrorStream(true);
      pb.environment().put("EPHEMERAL_PIPE", f.socket.toString());
      process = pb.start();
      out =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /** The next line it prints (blocks until it does). */
    String line() throws IOException {
      String l = out.readLine();
      assertThat(l).as("the snippet's next line; before: %s", seen).isNotNull();
      seen.add(l);
      return l;
    }

    void finished() throws Exception {
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
      String rest = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(process.exitValue()).as("exit status; printed %s%s", seen, rest).isZero();
    }

    @Override
    public void close() {
      process.destroyForcibly();
    }
  }

  private void awaitWaiting(int n) {
    BrokerFixture.awaitInFlight(java, n);
  }

  @Test
  void aNodeWorkerJoinsAPoolOfThreeMadeByJavaAndWaitsForASlot() throws Exception {
    List<Lease> held = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      held.add(java.lease("test-accounts", "java-" + i, MINUTE, 3, Duration.ZERO));
    }
    try (Node node = new Node("lease-wait", "")) {
      awaitWaiting(1);
      held.get(1).close();
      assertThat(node.line()).isEqualTo("testing as account 1");
      node.finished();
    }
    assertThat(java.tryLease("test-accounts", "java-again", MINUTE, 3))
        .as("the Node worker released its slot")
        .isPresent();
  }

  @Test
  void nodeWaitsForTheValueJavaComputesAndComputesItWhenNobodyHas() throws Exception {
    CountDownLatch computing = new CountDownLatch(1);
    CountDownLatch finish = new CountDownLatch(1);
    CompletableFuture<String> fromJava =
        CompletableFuture.supplyAsync(
            () ->
                java.getOrCompute(
                    "auth-token",
                    MINUTE,
                    String.class,
                    () -> {
                      computing.countDown();
                      finish.await();
                      return "from-java";
                    }));
    assertThat(computing.await(30, TimeUnit.SECONDS)).isTrue();
    String login = "const login = async () => 'from-node'";
    try (Node node = new Node("get-or-compute", login)) {
      awaitWaiting(1);
      finish.countDown();
      assertThat(node.line()).isEqualTo("token from-java");
      node.finished();
    }
    assertThat(fromJava.get()).isEqualTo("from-java");
    java.del("auth-token");
    try (Node node = new Node("get-or-compute", login)) {
      assertThat(node.line()).isEqualTo("token from-node");
      node.finished();
    }
    assertThat(java.getOrCompute("auth-token", MINUTE, String.class, () -> "never"))
        .isEqualTo("from-node");
  }

  @Test
  void setIfAbsentStoresForTheFirstOfNodeAndJavaOnly() throws Exception {
    String migrator;
    try (Node node = new Node("set-if-absent", "")) {
      assertThat(node.line()).isEqualTo("I migrate the schema");
      migrator = "worker-" + node.process.pid();
      node.finished();
    }
    assertThat(java.setIfAbsent("schema-migrator", "java", MINUTE)).isFalse();
    assertThat(java.get("schema-migrator", String.class)).isEqualTo(migrator);
    java.del("schema-migrator");
    assertThat(java.setIfAbsent("schema-migrator", "java", MINUTE)).isTrue();
    try (Node node = new Node("set-if-absent", "")) {
      assertThat(node.line()).isEqualTo("java migrates the schema");
      node.finished();
    }
  }

  @Test
  void nodeCountsOnAJavaCounterAndMeetsJavaAtABarrier() throws Exception {
    assertThat(java.increment("user-ids", 5, MINUTE)).isEqualTo(5);
    try (Node node = new Node("counter-and-barrier", "")) {
      assertThat(node.line()).isEqualTo("user-6");
      int javaIndex = java.awaitBarrier("start", 2, MINUTE);
      assertThat(node.line()).isEqualTo("arrived as " + (1 - javaIndex));
      node.finished();
    }
  }

  @Test
  void nodeKeepsToARateLimitSharedWithJava() throws Exception {
    RateLimiter limiter = java.rateLimiter("partner-api", 3, Duration.ofSeconds(1));
    long t0 = f.clock.millis();
    assertThat(limiter.tryAcquire()).isTrue();
    try (Node node = new Node("rate-limit", "")) {
      assertThat(node.line()).isEqualTo("call at " + t0);
      assertThat(node.line()).isEqualTo("call at " + t0);
      awaitWaiting(1); // the third call of Node is the fourth in the window: it waits
      f.clock.advance(Duration.ofSeconds(1));
      assertThat(node.line()).isEqualTo("call at " + (t0 + 1000));
      assertThat(node.line()).isEqualTo("call at " + (t0 + 1000));
      node.finished();
    }
  }
}
