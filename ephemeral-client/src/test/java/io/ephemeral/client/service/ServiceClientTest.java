package io.ephemeral.client.service;

import static io.ephemeral.client.service.GatewayFixture.assertNever;
import static io.ephemeral.client.service.GatewayFixture.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Java services calling each other through the real gateway. */
class ServiceClientTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final ObjectMapper JSON = new ObjectMapper();

  private GatewayFixture gateway;
  private final List<ServiceClient> clients = new ArrayList<>();

  record Sum(int a, int b) {}

  record Total(long total) {}

  @BeforeEach
  void start() throws Exception {
    gateway = GatewayFixture.start();
  }

  @AfterEach
  void stop() {
    clients.forEach(ServiceClient::close);
    gateway.close();
    GatewayFixture.assertNoServiceThreadsLeft();
  }

  private ServiceClient client(String name) {
    return client(gateway.client(name));
  }

  private ServiceClient client(ServiceClient.Builder builder) {
    ServiceClient c = builder.build();
    clients.add(c);
    return c;
  }

  private static JsonNode contextOf(CallContext c) {
    return JSON.valueToTree(
        Map.of("root", c.root(), "chain", c.chain(), "depth", c.depth(), "deadline", c.deadline()));
  }

  /** The context of a call at B, and at C as C's whoami answers a call B makes in it. */
  private static Map<String, Object> contextsAtBAndC(CallContext ctx) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("atB", contextOf(ctx));
    out.put("atC", ctx.call("C", "whoami", null, JsonNode.class));
    return out;
  }

  @Test
  void aCallsB() {
    ServiceClient b = client("b");
    b.registerMethod("add", Sum.class, (p, ctx) -> new Total((long) p.a() + p.b()));
    b.connect();
    ServiceClient a = client("a");
    a.connect();

    assertThat(a.call("b", "add", new Sum(2, 40), Total.class)).isEqualTo(new Total(42));
    assertThat(a.call("b", "add", Map.of("a", 1, "b", 2), JsonNode.class).get("total").asInt())
        .isEqualTo(3);
    assertThat(b.getStatus().registeredMethods()).containsExactly("add");
    assertThat(a.getStatus().pendingCalls()).isZero();
  }

  @Test
  void nestedCallsKeepRootDeadlineAndExtendTheChain() {
    ServiceClient c = client("C");
    c.registerMethod("whoami", (p, ctx) -> contextOf(ctx));
    c.connect();
    ServiceClient b = client("B");
    b.registerMethod("relay", (p, ctx) -> contextsAtBAndC(ctx));
    b.connect();
    ServiceClient a = client("A");
    a.connect();

    JsonNode r = a.call("B", "relay", Map.of(), JsonNode.class);
    JsonNode atB = r.get("atB");
    JsonNode atC = r.get("atC");
    assertThat(atB.get("chain")).isEqualTo(JSON.valueToTree(List.of("A", "A")));
    assertThat(atB.get("depth").asInt()).isEqualTo(2);
    assertThat(atB.get("root").asText()).startsWith("root-");
    assertThat(atC.get("chain")).isEqualTo(JSON.valueToTree(List.of("A", "A", "B")));
    assertThat(atC.get("depth").asInt()).isEqualTo(3);
    assertThat(atC.get("root")).isEqualTo(atB.get("root"));
    assertThat(atC.get("deadline")).isEqualTo(atB.get("deadline"));
    assertThat(atB.get("deadline").asLong())
        .isBetween(System.currentTimeMillis(), System.currentTimeMillis() + 10_000);
  }

  @Test
  void handlerErrorsArriveWithMessageAndCode() {
    ServiceClient b = client("b");
    b.registerMethod(
        "custom",
        (p, ctx) -> {
          throw new ServiceException("E_CUSTOM", "custom failure");
        });
    b.registerMethod(
        "plain",
        (p, ctx) -> {
          throw new IllegalStateException("plain failure");
        });
    b.registerMethod(
        "async",
        (p, ctx) -> CompletableFuture.failedFuture(new ServiceException("E_ASYNC", "later")));
    b.connect();
    ServiceClient a = client("a");
    a.connect();

    ServiceException custom =
        catchThrowableOfType(
            ServiceException.class, () -> a.call("b", "custom", null, JsonNode.class));
    assertThat(custom.code()).isEqualTo("E_CUSTOM");
    assertThat(custom.getMessage()).isEqualTo("custom failure");
    assertThat(custom.remoteStack()).as("no stack traces on the wire by default").isNull();

    ServiceException plain =
        catchThrowableOfType(
            ServiceException.class, () -> a.call("b", "plain", null, JsonNode.class));
    assertThat(plain.code()).isEqualTo(ServiceException.EXECUTION_FAILED);
    assertThat(plain.getMessage()).isEqualTo("plain failure");

    ServiceException async =
        catchThrowableOfType(
            ServiceException.class, () -> a.call("b", "async", null, JsonNode.class));
    assertThat(async.code()).isEqualTo("E_ASYNC");
  }

  @Test
  void unknownServiceAndMethodFailFast() {
    ServiceClient b = client("b");
    b.connect();
    ServiceClient a = client(gateway.client("a").timeout(Duration.ofSeconds(30)));
    a.connect();

    long t0 = System.nanoTime();
    assertThatThrownBy(() -> a.call("nobody", "x", null, JsonNode.class))
        .isInstanceOfSatisfying(
            ServiceException.class,
            e -> assertThat(e.code()).isEqualTo(ServiceException.SERVICE_NOT_FOUND));
    assertThatThrownBy(() -> a.call("b", "missing", null, JsonNode.class))
        .isInstanceOfSatisfying(
            ServiceException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ServiceException.METHOD_NOT_FOUND);
              assertThat(e.getMessage()).isEqualTo("Method 'missing' not found");
            });
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  @DisplayName("clientBug7: a per-call timeout; the late response is dropped")
  void slowCalleeTimesOutAndTheLateResponseIsDropped() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    ServiceClient b = client("b");
    b.registerMethod(
        "slow",
        (p, ctx) -> {
          release.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
          return "late";
        });
    b.registerMethod("fast", (p, ctx) -> "ok");
    b.connect();
    ServiceClient a = client(gateway.client("a").timeout(Duration.ofMillis(300)));
    a.connect();

    long t0 = System.nanoTime();
    ServiceException e =
        catchThrowableOfType(ServiceException.class, () -> a.call("b", "slow", null, String.class));
    assertThat(e.code()).isEqualTo(ServiceException.TIMEOUT);
    assertThat(e.getMessage()).isEqualTo("Request timeout after 300ms");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));

    CompletableFuture<String> own =
        a.callAsync(
            CallRequest.of("b", "slow", null).withTimeout(Duration.ofMillis(100)), String.class);
    ExecutionException ee =
        catchThrowableOfType(ExecutionException.class, () -> own.get(5, TimeUnit.SECONDS));
    assertThat(((ServiceException) ee.getCause()).getMessage())
        .isEqualTo("Request timeout after 100ms");

    release.countDown();
    // The client's 300 ms default is for the slow calls above; on a busy host a healthy call may
    // take longer than that, so this one has room.
    CallRequest fast = CallRequest.of("b", "fast", null).withTimeout(Duration.ofSeconds(30));
    assertThat(a.callAsync(fast, String.class).get(30, TimeUnit.SECONDS)).isEqualTo("ok");
    await("no pending calls", WAIT, () -> a.getStatus().pendingCalls() == 0);
  }

  @Test
  void twoHundredConcurrentCallsAreAllMatched() throws Exception {
    ServiceClient b = client("b");
    b.registerMethod("echo", (p, ctx) -> p);
    b.connect();
    ServiceClient a = client("a");
    a.connect();

    Random random = new Random(20240601);
    List<CompletableFuture<JsonNode>> futures = new ArrayList<>();
    List<Map<String, Object>> sent = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      Map<String, Object> params =
          Map.of("i", i, "r", random.nextLong(), "s", "x".repeat(random.nextInt(300)));
      sent.add(params);
      futures.add(a.callAsync("b", "echo", params, JsonNode.class));
    }
    for (int i = 0; i < 200; i++) {
      assertThat(futures.get(i).get(20, TimeUnit.SECONDS)).isEqualTo(JSON.valueToTree(sent.get(i)));
    }
    assertThat(a.getStatus().pendingCalls()).isZero();
  }

  @ParameterizedTest
  @EnumSource(Serializer.class)
  void oneMebibytePayloadsTravelBothWays(Serializer serializer) {
    ServiceClient b = client(gateway.client("b").serializer(serializer));
    b.registerMethod("echo", (p, ctx) -> Map.of("back", p.get("blob").asText() + "!"));
    b.connect();
    ServiceClient a = client(gateway.client("a").serializer(serializer));
    a.connect();

    Random random = new Random(7);
    StringBuilder blob = new StringBuilder(1 << 20);
    while (blob.length() < (1 << 20)) {
      blob.append((char) ('a' + random.nextInt(26)));
    }
    JsonNode r = a.call("b", "echo", Map.of("blob", blob.toString()), JsonNode.class);
    assertThat(r.get("back").asText()).hasSize((1 << 20) + 1).startsWith(blob.substring(0, 100));
  }

  @Test
  void calleeClosedMidCallFailsTheCallerAtOnce() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch never = new CountDownLatch(1);
    ServiceClient b = client("b");
    b.registerMethod(
        "hang",
        (p, ctx) -> {
          entered.countDown();
          never.await();
          return null;
        });
    b.connect();
    ServiceClient a = client(gateway.client("a").timeout(Duration.ofSeconds(30)));
    a.connect();

    CompletableFuture<JsonNode> call = a.callAsync("b", "hang", null, JsonNode.class);
    assertThat(entered.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    long t0 = System.nanoTime();
    b.close();
    ExecutionException e =
        catchThrowableOfType(ExecutionException.class, () -> call.get(10, TimeUnit.SECONDS));
    assertThat(((ServiceException) e.getCause()).code())
        .isEqualTo(ServiceException.CONNECTION_LOST);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    never.countDown(); // lets the handler thread end
  }

  @Test
  void aRestartedGatewayGetsTheServicesBack() throws Exception {
    AtomicInteger connected = new AtomicInteger();
    AtomicInteger disconnected = new AtomicInteger();
    ServiceListener counting =
        new ServiceListener() {
          @Override
          public void onConnected() {
            connected.incrementAndGet();
          }

          @Override
          public void onDisconnected() {
            disconnected.incrementAndGet();
          }
        };
    ServiceClient b = client(gateway.client("b").listener(counting));
    b.registerMethod("ping", (p, ctx) -> "pong");
    b.connect();
    ServiceClient a = client("a");
    a.connect();
    assertThat(a.call("b", "ping", null, String.class)).isEqualTo("pong");
    b.registerMethod("late", (p, ctx) -> "added after connect");

    gateway.stop();
    await(
        "both notice", WAIT, () -> !a.isConnected() && !b.isConnected() && disconnected.get() == 1);
    assertThatThrownBy(() -> a.call("b", "ping", null, String.class))
        .isInstanceOfSatisfying(
            ServiceException.class,
            e -> assertThat(e.code()).isEqualTo(ServiceException.NOT_CONNECTED));
    await("reconnect attempts", WAIT, () -> b.getStatus().reconnectAttempts() >= 2);
    gateway.restart();

    await("both re-registered", WAIT, () -> a.isConnected() && b.isConnected());
    // onConnected runs on the callback executor, so it may follow isConnected() by a moment.
    await("onConnected heard again", WAIT, () -> connected.get() >= 2);
    assertThat(connected.get()).isEqualTo(2);
    assertThat(b.getStatus().reconnectAttempts()).isZero();
    assertThat(a.call("b", "ping", null, String.class)).isEqualTo("pong");
    assertThat(a.call("b", "late", null, String.class)).isEqualTo("added after connect");
  }

  @Test
  void aDuplicateNameIsRefused() {
    ServiceClient first = client("dup");
    first.registerMethod("who", (p, ctx) -> "first");
    first.connect();
    ServiceClient second = client("dup");

    assertThatThrownBy(second::connect)
        .isInstanceOfSatisfying(
            ServiceException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ServiceException.CONNECTION_FAILED);
              assertThat(e.getMessage()).isEqualTo("Service 'dup' is already registered");
            });
    assertThat(second.isConnected()).isFalse();
    ServiceClient a = client("a");
    a.connect();
    assertThat(a.call("dup", "who", null, String.class)).isEqualTo("first");
  }

  @ParameterizedTest
  @DisplayName("clientBug7: the serializer belongs to each client, not to the process")
  @EnumSource(Serializer.class)
  void callerAndCalleeMayUseDifferentEncodings(Serializer callerEncoding) {
    Serializer calleeEncoding =
        callerEncoding == Serializer.JSON ? Serializer.MSGPACK : Serializer.JSON;
    ServiceClient b = client(gateway.client("b").serializer(calleeEncoding));
    b.registerMethod(
        "mirror",
        (p, ctx) -> {
          Map<String, Object> out = new LinkedHashMap<>();
          out.put("params", p);
          out.put("context", contextOf(ctx));
          out.put("big", 1L << 40);
          out.put("negative", -(1L << 35));
          return out;
        });
    b.connect();
    ServiceClient a = client(gateway.client("a").serializer(callerEncoding));
    a.connect();

    Map<String, Object> params = new LinkedHashMap<>();
    params.put("text", "h\u00e9llo \uD83D\uDE00");
    params.put("int", 7);
    params.put("long", 5_000_000_000L);
    params.put("double", 1.5);
    params.put("list", List.of(1, "two", false));
    params.put("nothing", null);
    JsonNode r = a.call("b", "mirror", params, JsonNode.class);
    assertThat(r.get("params")).isEqualTo(JSON.valueToTree(params));
    assertThat(r.get("big").asLong()).isEqualTo(1L << 40);
    assertThat(r.get("big").isIntegralNumber()).isTrue();
    assertThat(r.get("negative").asLong()).isEqualTo(-(1L << 35));
    assertThat(r.get("context").get("depth").asInt()).isEqualTo(2);
    assertThat(r.get("context").get("chain")).isEqualTo(JSON.valueToTree(List.of("a", "a")));
  }

  @Test
  @DisplayName("clientBug5: disconnect does not reconnect")
  void disconnectDoesNotReconnect() {
    AtomicInteger connected = new AtomicInteger();
    ServiceClient b =
        client(
            gateway
                .client("b")
                .reconnectDelay(Duration.ofMillis(10))
                .listener(
                    new ServiceListener() {
                      @Override
                      public void onConnected() {
                        connected.incrementAndGet();
                      }
                    }));
    b.registerMethod("ping", (p, ctx) -> "pong");
    b.connect();
    ServiceClient a = client("a");
    a.connect();
    assertThat(a.call("b", "ping", null, String.class)).isEqualTo("pong");

    b.disconnect();
    assertThat(b.isConnected()).isFalse();
    await(
        "the gateway forgets b",
        WAIT,
        () -> {
          try {
            a.call("b", "ping", null, String.class);
            return false;
          } catch (ServiceException e) {
            return e.code().equals(ServiceException.SERVICE_NOT_FOUND);
          }
        });
    assertNever(
        "b reconnected", Duration.ofMillis(300), () -> b.isConnected() || connected.get() > 1);
    assertThat(b.getStatus().reconnectAttempts()).isZero();

    b.connect();
    assertThat(a.call("b", "ping", null, String.class)).isEqualTo("pong");
  }

  @Test
  @DisplayName("clientBug1: concurrent handlers keep their own call contexts")
  void concurrentHandlersKeepTheirOwnContexts() throws Exception {
    int n = 20;
    ServiceClient c = client("C");
    c.registerMethod("whoami", (p, ctx) -> contextOf(ctx));
    c.connect();
    CountDownLatch allRunning = new CountDownLatch(n);
    ServiceClient b = client("B");
    b.registerMethod(
        "fan",
        (p, ctx) -> {
          allRunning.countDown();
          assertThat(allRunning.await(WAIT.toMillis(), TimeUnit.MILLISECONDS))
              .as("all handlers run at once")
              .isTrue();
          return contextsAtBAndC(ctx);
        });
    b.connect();
    ServiceClient a = client("A");
    a.connect();

    List<CompletableFuture<JsonNode>> calls = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      calls.add(
          a.callAsync(
              CallRequest.of("B", "fan", Map.of("i", i)).withTimeout(Duration.ofMillis(8_000 + i)),
              JsonNode.class));
    }
    Set<String> roots = new HashSet<>();
    for (CompletableFuture<JsonNode> f : calls) {
      JsonNode r = f.get(20, TimeUnit.SECONDS);
      JsonNode atB = r.get("atB");
      JsonNode atC = r.get("atC");
      assertThat(atC.get("root")).isEqualTo(atB.get("root"));
      assertThat(atC.get("deadline")).isEqualTo(atB.get("deadline"));
      assertThat(atC.get("chain")).isEqualTo(JSON.valueToTree(List.of("A", "A", "B")));
      assertThat(atC.get("depth").asInt()).isEqualTo(3);
      roots.add(atB.get("root").asText());
    }
    assertThat(roots).hasSize(n);
  }

  @Test
  void deadlineAndDepthAreCheckedBeforeSending() {
    AtomicInteger invoked = new AtomicInteger();
    ServiceClient b = client("b");
    b.registerMethod("count", (p, ctx) -> invoked.incrementAndGet());
    b.connect();
    ServiceClient a = client("a");
    a.connect();

    CallContext expired =
        CallContext.of("root-1-x", List.of("z"), 1, System.currentTimeMillis() - 1);
    assertThatThrownBy(() -> a.call("b", "count", null, Integer.class, expired))
        .isInstanceOfSatisfying(
            ServiceException.class,
            e -> assertThat(e.code()).isEqualTo(ServiceException.DEADLINE_EXCEEDED));
    long later = System.currentTimeMillis() + 10_000;
    CallContext deep = CallContext.of("root-1-x", List.of("z"), 100, later);
    assertThatThrownBy(() -> a.call("b", "count", null, Integer.class, deep))
        .isInstanceOfSatisfying(
            ServiceException.class,
            e -> assertThat(e.code()).isEqualTo(ServiceException.MAX_DEPTH_EXCEEDED));
    assertThat(invoked.get()).isZero();
    CallContext deepest = CallContext.of("root-1-x", List.of("z"), 99, later);
    assertThat(a.call("b", "count", null, Integer.class, deepest)).isEqualTo(1);
  }

  @Test
  void callAllRespectsTheConcurrencyAndReportsFailuresPerItem() {
    AtomicInteger running = new AtomicInteger();
    AtomicInteger maxRunning = new AtomicInteger();
    ServiceClient b = client("b");
    b.registerMethod(
        "square",
        (p, ctx) -> {
          int now = running.incrementAndGet();
          maxRunning.accumulateAndGet(now, Math::max);
          try {
            return p.get("n").asInt() * p.get("n").asInt();
          } finally {
            running.decrementAndGet();
          }
        });
    b.connect();
    ServiceClient a = client("a");
    a.connect();

    List<CallRequest> batch = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      batch.add(CallRequest.of("b", i % 10 == 3 ? "nope" : "square", Map.of("n", i)));
    }
    List<CallResult> results = a.callAll(batch, 4);
    assertThat(results).hasSize(40);
    for (int i = 0; i < 40; i++) {
      CallResult r = results.get(i);
      assertThat(r.request()).isSameAs(batch.get(i));
      if (i % 10 == 3) {
        assertThat(r.isSuccess()).isFalse();
        assertThat(r.error().code()).isEqualTo(ServiceException.METHOD_NOT_FOUND);
      } else {
        assertThat(r.value(Integer.class)).isEqualTo(i * i);
      }
    }
    assertThat(maxRunning.get()).isBetween(1, 4);
  }

  @Test
  void pooledServiceServesOnEveryConnection() {
    ServiceClient b = client(gateway.client("b").poolSize(3));
    b.registerMethod("id", (p, ctx) -> p.get("i").asInt());
    b.connect();
    assertThat(b.getStatus().liveConnections()).isEqualTo(3);
    ServiceClient a = client(gateway.client("a").poolSize(2));
    a.connect();

    List<CallRequest> batch = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      batch.add(CallRequest.of("b", "id", Map.of("i", i)));
    }
    List<CallResult> results = a.callAll(batch, 8);
    for (int i = 0; i < 30; i++) {
      assertThat(results.get(i).value(Integer.class)).isEqualTo(i);
    }
    assertThat(a.call("b", "id", Map.of("i", 5), new TypeReference<Integer>() {})).isEqualTo(5);
  }

  @Test
  void methodsCanBeAddedAndRemovedWhileConnected() {
    ServiceClient b = client("b");
    b.connect();
    ServiceClient a = client("a");
    a.connect();
    b.registerMethod("now", (p, ctx) -> "here");
    assertThat(a.call("b", "now", null, String.class)).isEqualTo("here");
    assertThat(b.unregisterMethod("now")).isTrue();
    assertThatThrownBy(() -> a.call("b", "now", null, String.class))
        .isInstanceOfSatisfying(
            ServiceException.class,
            e -> assertThat(e.code()).isEqualTo(ServiceException.METHOD_NOT_FOUND));
  }

  @Test
  void callsBeforeConnectFailWithNotConnected() {
    ServiceClient a = client("a");
    assertThatThrownBy(() -> a.call("b", "x", null, JsonNode.class))
        .isInstanceOfSatisfying(
            ServiceException.class,
            e -> assertThat(e.code()).isEqualTo(ServiceException.NOT_CONNECTED));
  }

  @Test
  void nonBlockingMethodsRunOnTheReaderAndTheirBlockingCallsFailAtOnce() throws Exception {
    ServiceClient c = client("C");
    c.registerMethod("whoami", (p, ctx) -> contextOf(ctx));
    c.connect();
    ServiceClient b = client("B");
    b.registerNonBlockingMethod("thread", (p, ctx) -> Thread.currentThread().getName());
    b.registerNonBlockingMethod(
        "relayAsync", (p, ctx) -> ctx.callAsync("C", "whoami", null, JsonNode.class));
    b.registerNonBlockingMethod(
        "relayBlocking", (p, ctx) -> ctx.call("C", "whoami", null, JsonNode.class));
    b.registerMethod("pooled", (p, ctx) -> Thread.currentThread().getName());
    b.connect();
    ServiceClient a = client("A");
    a.connect();

    assertThat(a.call("B", "thread", null, String.class)).contains("-reader-");
    assertThat(a.call("B", "pooled", null, String.class)).contains("-handler-");
    JsonNode atC = a.call("B", "relayAsync", null, JsonNode.class);
    assertThat(atC.get("chain")).isEqualTo(JSON.valueToTree(List.of("A", "A", "B")));
    ServiceException e =
        catchThrowableOfType(
            ServiceException.class, () -> a.call("B", "relayBlocking", null, JsonNode.class));
    assertThat(e.code()).isEqualTo(ServiceException.INTERNAL_ERROR);
    assertThat(e.getMessage()).contains("non-blocking handler");

    b.registerMethod("relayBlocking", (p, ctx) -> ctx.call("C", "whoami", null, JsonNode.class));
    assertThat(a.call("B", "relayBlocking", null, JsonNode.class).get("chain"))
        .as("registerMethod replaces a non-blocking registration: its blocking call is allowed")
        .isEqualTo(JSON.valueToTree(List.of("A", "A", "B")));
  }

  @ParameterizedTest
  @EnumSource(Serializer.class)
  void busyPollingClientsMatchEveryCallAndStopTheirThreads(Serializer serializer) throws Exception {
    Duration poll = Duration.ofNanos(50_000);
    ServiceClient b = client(gateway.client("b").serializer(serializer).busyPoll(poll));
    b.registerMethod("echo", (p, ctx) -> p);
    b.registerNonBlockingMethod("fast", (p, ctx) -> p);
    b.connect();
    ServiceClient a = client(gateway.client("a").serializer(serializer).busyPoll(poll));
    a.connect();

    for (int i = 0; i < 200; i++) {
      assertThat(
              a.call("b", i % 2 == 0 ? "echo" : "fast", Map.of("i", i), JsonNode.class)
                  .get("i")
                  .asInt())
          .isEqualTo(i);
    }
    List<CompletableFuture<JsonNode>> futures = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      futures.add(a.callAsync("b", i % 2 == 0 ? "echo" : "fast", Map.of("i", i), JsonNode.class));
    }
    for (int i = 0; i < 2000; i++) {
      assertThat(futures.get(i).get(20, TimeUnit.SECONDS).get("i").asInt()).isEqualTo(i);
    }
    assertThat(a.getStatus().pendingCalls()).isZero();
    a.close();
    assertThat(a.callAsync("b", "echo", Map.of(), JsonNode.class))
        .as("a closed client still completes its futures")
        .failsWithin(Duration.ofSeconds(5));
  }

  @Test
  void busyPollIsBounded() {
    assertThatThrownBy(() -> ServiceClient.builder().busyPoll(Duration.ofSeconds(2)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ServiceClient.builder().busyPoll(Duration.ofNanos(-1)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
