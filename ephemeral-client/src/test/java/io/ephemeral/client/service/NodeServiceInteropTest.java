package io.ephemeral.client.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Java services and ipc-bro style Node services ({@code src/test/node/ipc-service.mjs}, JSON via
 * JSON.stringify, MessagePack via msgpackr) calling each other through the real gateway, in every
 * combination of encodings.
 */
class NodeServiceInteropTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration CALL = Duration.ofSeconds(10);

  private GatewayFixture gateway;
  private final List<ServiceClient> clients = new ArrayList<>();
  private final List<NodeService> nodes = new ArrayList<>();

  @BeforeAll
  static void npm() throws Exception {
    NodeService.installDependencies();
  }

  @BeforeEach
  void start() throws Exception {
    gateway = GatewayFixture.start();
  }

  @AfterEach
  void stop() throws Exception {
    for (NodeService n : nodes) {
      n.close();
    }
    clients.forEach(ServiceClient::close);
    gateway.close();
    GatewayFixture.assertNoServiceThreadsLeft();
  }

  private ServiceClient java(String name, Serializer serializer) {
    ServiceClient c = gateway.client(name).serializer(serializer).timeout(CALL).build();
    clients.add(c);
    return c;
  }

  private NodeService node(String serializer, String name) throws Exception {
    NodeService n = NodeService.start(gateway.socket, serializer, name);
    nodes.add(n);
    return n;
  }

  private static Map<String, Object> sample() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("text", "h\u00e9llo \uD83D\uDE00 \u2028");
    m.put("int", -7);
    m.put("long", 5_000_000_000L);
    m.put("double", 1.25);
    m.put("list", List.of(1, "two", true, Map.of("deep", List.of())));
    m.put("nothing", null);
    return m;
  }

  private static JsonNode contextOf(CallContext c) {
    return JSON.valueToTree(
        Map.of("root", c.root(), "chain", c.chain(), "depth", c.depth(), "deadline", c.deadline()));
  }

  private static ServiceException failure(Runnable call) {
    return catchThrowableOfType(ServiceException.class, call::run);
  }

  @ParameterizedTest(name = "node {0}, java {1}")
  @CsvSource({"json,JSON", "msgpack,MSGPACK", "json,MSGPACK", "msgpack,JSON"})
  void javaCallsANodeService(String nodeEncoding, Serializer javaEncoding) throws Exception {
    node(nodeEncoding, "node-svc");
    ServiceClient a = java("java-caller", javaEncoding);
    a.connect();

    assertThat(a.call("node-svc", "echo", sample(), JsonNode.class))
        .isEqualTo(JSON.valueToTree(sample()));
    assertThat(a.call("node-svc", "add", Map.of("a", 2, "b", 40), Integer.class)).isEqualTo(42);

    ServiceException custom =
        failure(
            () ->
                a.call(
                    "node-svc",
                    "fail",
                    Map.of("message", "nope", "code", "E_NODE"),
                    JsonNode.class));
    assertThat(custom.code()).isEqualTo("E_NODE");
    assertThat(custom.getMessage()).isEqualTo("nope");
    assertThat(custom.remoteStack()).as("ipc-bro sends its stack").contains("Error: nope");
    ServiceException plain =
        failure(() -> a.call("node-svc", "failPlain", Map.of("message", "plain"), JsonNode.class));
    assertThat(plain.code()).isEqualTo(ServiceException.EXECUTION_FAILED);
    assertThat(plain.getMessage()).isEqualTo("plain");
    ServiceException missing = failure(() -> a.call("node-svc", "missing", null, JsonNode.class));
    assertThat(missing.code()).isEqualTo(ServiceException.METHOD_NOT_FOUND);
    assertThat(missing.getMessage()).isEqualTo("Method 'missing' not found");

    JsonNode types =
        a.call("node-svc", "types", Map.of("big", 1L << 40, "small", 3, "f", 1.5), JsonNode.class);
    assertThat(types)
        .as("no BigInt reaches Node")
        .isEqualTo(
            JSON.readTree(
                "{\"params\":{\"big\":\"number\",\"small\":\"number\",\"f\":\"number\"},"
                    + "\"depth\":\"number\",\"deadline\":\"number\"}"));
    JsonNode who = a.call("node-svc", "whoami", null, JsonNode.class);
    assertThat(who.get("context").get("chain"))
        .isEqualTo(JSON.valueToTree(List.of("java-caller", "java-caller")));
    assertThat(who.get("context").get("depth").asInt()).isEqualTo(2);
  }

  @ParameterizedTest(name = "node {0}, java {1}")
  @CsvSource({"json,JSON", "msgpack,MSGPACK", "json,MSGPACK", "msgpack,JSON"})
  void aNodeCallerCallsJava(String nodeEncoding, Serializer javaEncoding) throws Exception {
    ServiceClient j = java("java-svc", javaEncoding);
    j.registerMethod("echo", (p, ctx) -> p);
    j.registerMethod(
        "fail",
        (p, ctx) -> {
          throw new ServiceException("E_JAVA", "java says no");
        });
    j.registerMethod(
        "plain",
        (p, ctx) -> {
          throw new IllegalStateException("broken");
        });
    j.registerMethod("whoami", (p, ctx) -> contextOf(ctx));
    j.connect();
    NodeService n = node(nodeEncoding, "node-caller");

    JsonNode echo = n.call("java-svc", "echo", sample(), CALL);
    assertThat(echo.get("ok").asBoolean()).as("%s", echo).isTrue();
    assertThat(echo.get("result")).isEqualTo(JSON.valueToTree(sample()));

    JsonNode fail = n.call("java-svc", "fail", Map.of(), CALL);
    assertThat(fail.get("code").asText()).isEqualTo("E_JAVA");
    assertThat(fail.get("message").asText()).isEqualTo("java says no");
    assertThat(n.call("java-svc", "plain", Map.of(), CALL).get("code").asText())
        .isEqualTo("EXECUTION_FAILED");
    JsonNode missing = n.call("java-svc", "nope", Map.of(), CALL);
    assertThat(missing.get("code").asText()).isEqualTo("METHOD_NOT_FOUND");
    assertThat(missing.get("message").asText()).isEqualTo("Method 'nope' not found");

    JsonNode who = n.call("java-svc", "whoami", Map.of(), CALL).get("result");
    assertThat(who.get("chain")).isEqualTo(JSON.valueToTree(List.of("node-caller", "node-caller")));
    assertThat(who.get("depth").asInt()).isEqualTo(2);
    assertThat(who.get("root").asText()).startsWith("root-");
    assertThat(who.get("deadline").isIntegralNumber()).isTrue();

    JsonNode nobody = n.call("nobody", "x", Map.of(), CALL);
    assertThat(nobody.get("code").asText()).isEqualTo("SERVICE_NOT_FOUND");
    assertThat(nobody.get("ms").asLong())
        .as("at once, not after the 10 s timeout")
        .isLessThan(2_000);
  }

  @ParameterizedTest(name = "node {0}")
  @ValueSource(strings = {"json", "msgpack"})
  void nestedCallsJavaToNodeToJavaExtendTheChain(String nodeEncoding) throws Exception {
    ServiceClient leaf = java("java-leaf", Serializer.JSON);
    leaf.registerMethod("whoami", (p, ctx) -> contextOf(ctx));
    leaf.connect();
    node(nodeEncoding, "node-mid");
    ServiceClient root = java("java-root", Serializer.MSGPACK);
    root.connect();

    JsonNode r =
        root.call(
            "node-mid",
            "callBack",
            Map.of("service", "java-leaf", "method", "whoami", "params", Map.of()),
            JsonNode.class);
    JsonNode atNode = r.get("context");
    JsonNode atLeaf = r.get("nested");
    assertThat(atNode.get("chain")).isEqualTo(JSON.valueToTree(List.of("java-root", "java-root")));
    assertThat(atNode.get("depth").asInt()).isEqualTo(2);
    assertThat(atLeaf.get("chain"))
        .isEqualTo(JSON.valueToTree(List.of("java-root", "java-root", "node-mid")));
    assertThat(atLeaf.get("depth").asInt()).isEqualTo(3);
    assertThat(atLeaf.get("root")).isEqualTo(atNode.get("root"));
    assertThat(atLeaf.get("deadline").asLong()).isEqualTo(atNode.get("deadline").asLong());
  }

  @Test
  void aNodeCalleeKilledWithSigkillFailsTheCallAtOnce() throws Exception {
    NodeService victim = node("msgpack", "node-victim");
    ServiceClient a = java("java-caller", Serializer.JSON);
    a.connect();

    CompletableFuture<JsonNode> call =
        a.callAsync(
            CallRequest.of("node-victim", "hang", null).withTimeout(Duration.ofSeconds(30)),
            JsonNode.class);
    victim.awaitEvent("hanging", CALL);
    long t0 = System.nanoTime();
    victim.kill();
    ExecutionException e =
        catchThrowableOfType(ExecutionException.class, () -> call.get(10, TimeUnit.SECONDS));
    assertThat(((ServiceException) e.getCause()).code())
        .isEqualTo(ServiceException.CONNECTION_LOST);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
  }

  // ---- typed interfaces: a record or POJO is the params a Node peer sends and receives

  /** The sample's fields as a record. */
  public record Sample(String text, int count, long big, double ratio, List<String> tags) {}

  public record Person(String name, int age) {}

  public record Greeting(String text, int nextAge) {}

  @ServiceInterface("node-svc")
  public interface NodeSvc {
    Sample echo(Sample sample);

    int add(int a, int b);

    CompletableFuture<Integer> add2(@Param("a") int x, @Param("b") int y); // no such method
  }

  @ServiceInterface("java-svc")
  public interface JavaSvc {
    Greeting greet(Person person);

    int add(int a, int b);

    List<String> nothing();
  }

  @ParameterizedTest(name = "node {0}, java {1}")
  @CsvSource({"json,JSON", "msgpack,MSGPACK", "json,MSGPACK", "msgpack,JSON"})
  void aJavaProxyCallsANodeService(String nodeEncoding, Serializer javaEncoding) throws Exception {
    node(nodeEncoding, "node-svc");
    ServiceClient a = java("java-caller", javaEncoding);
    a.connect();
    NodeSvc svc = a.proxy(NodeSvc.class);

    Sample s = new Sample("h\u00e9llo", 3, 5_000_000_000L, 0.25, List.of("a", "b"));
    assertThat(svc.echo(s)).as("the record is the params, as Node sees it").isEqualTo(s);
    assertThat(svc.add(2, 40)).as("two parameters are {a, b}").isEqualTo(42);
    ExecutionException missing =
        catchThrowableOfType(
            ExecutionException.class, () -> svc.add2(1, 2).get(10, TimeUnit.SECONDS));
    assertThat(missing.getCause()).isInstanceOf(MethodNotFoundException.class);
  }

  @ParameterizedTest(name = "node {0}, java {1}")
  @CsvSource({"json,JSON", "msgpack,MSGPACK", "json,MSGPACK", "msgpack,JSON"})
  void aNodeCallerCallsARegisteredJavaImplementation(String nodeEncoding, Serializer javaEncoding)
      throws Exception {
    ServiceClient j = java("java-svc", javaEncoding);
    j.registerService(
        new JavaSvc() {
          @Override
          public Greeting greet(Person person) {
            return new Greeting("hello " + person.name(), person.age() + 1);
          }

          @Override
          public int add(int a, int b) {
            return a + b;
          }

          @Override
          public List<String> nothing() {
            return List.of();
          }
        });
    j.connect();
    NodeService n = node(nodeEncoding, "node-caller");

    JsonNode greet = n.call("java-svc", "greet", Map.of("name", "Ada", "age", 36), CALL);
    assertThat(greet.get("result"))
        .as("%s", greet)
        .isEqualTo(JSON.readTree("{\"text\":\"hello Ada\",\"nextAge\":37}"));
    assertThat(n.call("java-svc", "add", Map.of("a", 2, "b", 3), CALL).get("result").asInt())
        .isEqualTo(5);
    assertThat(n.call("java-svc", "nothing", Map.of(), CALL).get("result"))
        .isEqualTo(JSON.readTree("[]"));
    JsonNode bad = n.call("java-svc", "greet", Map.of("name", List.of()), CALL);
    assertThat(bad.get("code").asText()).isEqualTo("DESERIALIZATION_FAILED");
    assertThat(bad.get("message").asText()).startsWith("Invalid params for 'greet': ");
  }

  // ---- cancellation with ipc-bro peers, which know no CANCEL frame

  @Test
  void aNodeCalleeIgnoresTheCancelOfACallItServes() throws Exception {
    NodeService n = node("json", "node-svc");
    ServiceClient a = java("java-caller", Serializer.JSON);
    a.connect();
    CompletableFuture<JsonNode> hung = a.callAsync("node-svc", "hang", null, JsonNode.class);
    n.awaitEvent("hanging", CALL);
    hung.cancel(true); // the gateway sends the Node service a CANCEL it does not know

    assertThat(a.call("node-svc", "add", Map.of("a", 1, "b", 2), Integer.class)).isEqualTo(3);
  }

  @ParameterizedTest(name = "node {0}")
  @ValueSource(strings = {"json", "msgpack"})
  void aNodeCallerThatTimesOutStopsTheJavaHandler(String nodeEncoding) throws Exception {
    java.util.concurrent.CountDownLatch interrupted = new java.util.concurrent.CountDownLatch(1);
    ServiceClient j = java("java-svc", Serializer.JSON);
    j.serve(
        "block",
        (params, ctx) -> {
          try {
            Thread.sleep(60_000);
          } catch (InterruptedException e) {
            interrupted.countDown();
            throw e;
          }
          return null;
        });
    j.connect();
    NodeService n = node(nodeEncoding, "node-caller");

    JsonNode r = n.call("java-svc", "block", Map.of(), Duration.ofMillis(500));
    assertThat(r.get("code").asText()).isEqualTo("TIMEOUT");
    // The gateway fails the call at its deadline (plus a grace) and tells the callee.
    assertThat(interrupted.await(10, TimeUnit.SECONDS)).isTrue();
  }
}
