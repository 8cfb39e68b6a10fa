package io.ephemeral.client.service;

import static io.ephemeral.client.service.GatewayFixture.await;
import static io.ephemeral.client.service.ScriptedGateway.obj;
import static io.ephemeral.client.service.ScriptedGateway.response;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;

/** The frames the client writes and how it reacts to frames, against a scripted gateway. */
class ServiceClientWireTest {
  private static final Duration WAIT = Duration.ofSeconds(5);

  private ScriptedGateway gateway;
  private final List<ServiceClient> clients = new ArrayList<>();

  @BeforeEach
  void start() throws IOException {
    gateway = new ScriptedGateway();
  }

  @AfterEach
  void stop() throws IOException {
    clients.forEach(ServiceClient::close);
    gateway.close();
    GatewayFixture.assertNoServiceThreadsLeft();
  }

  private ServiceClient.Builder builder(String name) {
    return ServiceClient.builder()
        .serviceName(name)
        .gateway(gateway.socket)
        .environment(Map.of())
        .timeout(Duration.ofSeconds(5))
        .reconnectDelay(Duration.ofMillis(20))
        .maxReconnectDelay(Duration.ofMillis(100));
  }

  private ServiceClient client(ServiceClient.Builder b) {
    ServiceClient c = b.build();
    clients.add(c);
    return c;
  }

  /** Connects on a background thread while the test plays the gateway. */
  private Peer connect(ServiceClient c) throws Exception {
    CompletableFuture<Void> done = CompletableFuture.runAsync(c::connect);
    Peer p = gateway.acceptRegistered(WAIT);
    done.get(5, TimeUnit.SECONDS);
    return p;
  }

  @Test
  void registerFrameIsExactlyWhatIpcBroSends() throws Exception {
    ServiceClient c = client(builder("svc"));
    c.registerMethod("a", (p, ctx) -> null);
    c.registerMethod("b", (p, ctx) -> null);
    CompletableFuture<Void> done = CompletableFuture.runAsync(c::connect);
    Peer p = gateway.accept(WAIT);
    Peer.Frame register = p.read(WAIT);
    assertThat(new String(register.body(), UTF_8))
        .isEqualTo(
            "{\"type\":\"REGISTER\",\"serviceName\":\"svc\",\"methods\":[\"a\",\"b\"],"
                + "\"version\":\"1.0.0\",\"metadata\":{}}");
    assertThat(done).isNotDone();
    p.send(obj("type", "REGISTER_ACK"));
    done.get(5, TimeUnit.SECONDS);
    assertThat(c.isConnected()).isTrue();
  }

  @Test
  void poolConnectionsRegisterWithTheirIndex() throws Exception {
    ServiceClient c = client(builder("pool").poolSize(3));
    CompletableFuture<Void> done = CompletableFuture.runAsync(c::connect);
    List<JsonNode> metadata = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Peer p = gateway.accept(WAIT);
      metadata.add(p.read("REGISTER", WAIT).message().get("metadata"));
      p.send(obj("type", "REGISTER_ACK"));
    }
    done.get(5, TimeUnit.SECONDS);
    // Every connection presents the pool's one random key, which proves it belongs to the pool.
    String key = metadata.get(0).get("poolKey").asText();
    assertThat(key).matches("[0-9a-f]{32}");
    assertThat(metadata)
        .containsExactly(
            obj("poolIndex", 0, "poolSize", 3, "poolKey", key),
            obj("poolIndex", 1, "poolSize", 3, "poolKey", key),
            obj("poolIndex", 2, "poolSize", 3, "poolKey", key));
    assertThat(c.getStatus().liveConnections()).isEqualTo(3);
    ServiceClient other = client(builder("pool").poolSize(2));
    CompletableFuture<Void> second = CompletableFuture.runAsync(other::connect);
    Peer p = gateway.accept(WAIT);
    assertThat(p.read("REGISTER", WAIT).message().get("metadata").get("poolKey").asText())
        .as("another client's pool has another key")
        .isNotEqualTo(key);
    p.send(obj("type", "REGISTER_ACK"));
    Peer p2 = gateway.accept(WAIT);
    p2.read("REGISTER", WAIT);
    p2.send(obj("type", "REGISTER_ACK"));
    second.get(5, TimeUnit.SECONDS);
  }

  @Test
  void withASecretRegisterCarriesTheProofOfIt() throws Exception {
    String proof = io.ephemeral.protocol.Hmac.withSecret("s3cret").registrationProof("signed");
    for (ServiceClient.Builder b :
        List.of(
            builder("signed").secret("s3cret"),
            builder("signed").environment(Map.of("EPHEMERAL_SECRET", "s3cret")),
            builder("signed")
                .environment(Map.of("CLIENT_SECRET", "s3cret", "EPHEMERAL_SECRET", "x")))) {
      ServiceClient c = client(b);
      CompletableFuture<Void> done = CompletableFuture.runAsync(c::connect);
      Peer p = gateway.accept(WAIT);
      assertThat(p.read("REGISTER", WAIT).message().get("auth").asText()).isEqualTo(proof);
      p.send(obj("type", "REGISTER_ACK"));
      done.get(5, TimeUnit.SECONDS);
      c.close();
    }
  }

  @Test
  @DisplayName(
      "clientBug7: the chain starts with the caller twice, as ipc-bro writes it (kept for compatibility)")
  void callFrameCarriesAFreshExtendedContext() throws Exception {
    ServiceClient c = client(builder("A").timeout(Duration.ofSeconds(4)));
    Peer p = connect(c);
    long before = System.currentTimeMillis();
    CompletableFuture<JsonNode> f = c.callAsync("B", "m", null, JsonNode.class);
    JsonNode call = p.read("CALL", WAIT).message();
    List<String> fields = new ArrayList<>();
    call.fieldNames().forEachRemaining(fields::add);
    assertThat(fields).containsExactly("type", "id", "from", "to", "method", "params", "context");
    assertThat(call.get("id").asText()).matches("req-\\d{13}-[0-9a-z]{6}-[0-9a-z]+");
    assertThat(call.get("from").asText()).isEqualTo("A");
    assertThat(call.get("to").asText()).isEqualTo("B");
    assertThat(call.get("params")).isEqualTo(obj());
    JsonNode ctx = call.get("context");
    assertThat(ctx.get("root").asText()).matches("root-\\d{13}-[0-9a-z]{8}");
    assertThat(ctx.get("chain")).isEqualTo(WireCodec.JSON.valueToTree(List.of("A", "A")));
    assertThat(ctx.get("depth").asInt()).isEqualTo(2);
    assertThat(ctx.get("deadline").asLong())
        .isBetween(before + 4_000, System.currentTimeMillis() + 4_000);

    p.send(response(call, "success", Map.of("ok", true)));
    assertThat(f.get(5, TimeUnit.SECONDS).get("ok").asBoolean()).isTrue();
  }

  @Test
  void msgpackFramesWriteLargeNumbersAsFloat64AndNeverInt64() throws Exception {
    ServiceClient c =
        client(
            builder("A").serializer(Serializer.MSGPACK).heartbeatInterval(Duration.ofMillis(50)));
    Peer p = connect(c);
    c.callAsync("B", "m", Map.of("small", 7, "big", 1L << 40, "neg", -3), JsonNode.class);
    Peer.Frame call = p.read("CALL", WAIT);
    assertThat(call.isJson()).isFalse();
    assertThat(call.body()[0] & 0xff).as("a map").isIn(0x87, 0xde, 0xdf);
    Map<String, MessageFormat> formats = call.formats();
    assertThat(formats.get("context.deadline")).isEqualTo(MessageFormat.FLOAT64);
    assertThat(formats.get("context.depth")).isEqualTo(MessageFormat.POSFIXINT);
    assertThat(formats.get("params.big")).isEqualTo(MessageFormat.FLOAT64);
    assertThat(formats.get("params.small")).isEqualTo(MessageFormat.POSFIXINT);
    assertThat(formats.get("params.neg")).isEqualTo(MessageFormat.NEGFIXINT);
    assertThat(formats.values()).doesNotContain(MessageFormat.INT64, MessageFormat.UINT64);

    Peer.Frame heartbeat = p.read("HEARTBEAT", WAIT);
    assertThat(heartbeat.message().get("from").asText()).isEqualTo("A");
    assertThat(heartbeat.formats().get("timestamp")).isEqualTo(MessageFormat.FLOAT64);
  }

  @Test
  void int64NumbersFromOtherEncodersAreAccepted() throws Exception {
    ServiceClient c = client(builder("A").serializer(Serializer.MSGPACK));
    Peer p = connect(c);
    CompletableFuture<JsonNode> f = c.callAsync("B", "m", null, JsonNode.class);
    JsonNode call = p.read("CALL", WAIT).message();
    byte[] body;
    try (var packer = MessagePack.newDefaultBufferPacker()) {
      packer.packMapHeader(6);
      packer.packString("type").packString("RESPONSE");
      packer.packString("id").packString(call.get("id").asText());
      packer.packString("from").packString("B");
      packer.packString("to").packString("A");
      packer.packString("status").packString("success");
      packer.packString("data").packMapHeader(2);
      packer.packString("int64");
      packer.addPayload(new byte[] {(byte) 0xd3, 0, 0, 1, 0, 0, 0, 0, 0}); // 2^40 as int64
      packer.packString("uint64");
      packer.addPayload(new byte[] {(byte) 0xcf, 0, 0, 0, 0, 0, 0, 0, 5});
      body = packer.toByteArray();
    }
    p.sendRaw(body);
    JsonNode data = f.get(5, TimeUnit.SECONDS);
    assertThat(data.get("int64").asLong()).isEqualTo(1L << 40);
    assertThat(data.get("uint64").asInt()).isEqualTo(5);
  }

  @Test
  @DisplayName("clientBug2: an ERROR frame with an id fails that call at once")
  void errorFrameWithAnIdFailsThatCallAtOnce() throws Exception {
    AtomicReference<ServiceListener.GatewayError> seen = new AtomicReference<>();
    ServiceClient c =
        client(
            builder("A")
                .timeout(Duration.ofSeconds(30))
                .listener(
                    new ServiceListener() {
                      @Override
                      public void onGatewayError(GatewayError event) {
                        seen.set(event);
                      }
                    }));
    Peer p = connect(c);
    CompletableFuture<JsonNode> f = c.callAsync("B", "m", null, JsonNode.class);
    JsonNode call = p.read("CALL", WAIT).message();
    p.send(
        obj(
            "type", "ERROR",
            "id", call.get("id"),
            "error", obj("message", "Target service 'B' not found", "code", "SERVICE_NOT_FOUND"),
            "timestamp", System.currentTimeMillis()));
    ExecutionException e =
        catchThrowableOfType(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
    ServiceException se = (ServiceException) e.getCause();
    assertThat(se.code()).isEqualTo("SERVICE_NOT_FOUND");
    assertThat(se.getMessage()).isEqualTo("Target service 'B' not found");
    assertThat(seen.get())
        .isEqualTo(
            new ServiceListener.GatewayError(
                "Target service 'B' not found", "SERVICE_NOT_FOUND", call.get("id").asText()));
    assertThat(c.getStatus().pendingCalls()).isZero();
  }

  @Test
  @DisplayName("clientBug5: a failed connect neither retries in the background nor stays connected")
  void registrationErrorAndSilenceFailConnect() throws Exception {
    ServiceClient dup = client(builder("dup"));
    CompletableFuture<Void> done = CompletableFuture.runAsync(dup::connect);
    Peer p = gateway.accept(WAIT);
    p.read("REGISTER", WAIT);
    p.send(
        obj(
            "type",
            "ERROR",
            "error",
            obj("message", "Service 'dup' is already registered", "code", "CONNECTION_FAILED")));
    ExecutionException e =
        catchThrowableOfType(ExecutionException.class, () -> done.get(5, TimeUnit.SECONDS));
    assertThat(((ServiceException) e.getCause()).code()).isEqualTo("CONNECTION_FAILED");
    assertThat(e.getCause().getMessage()).isEqualTo("Service 'dup' is already registered");
    assertThat(p.awaitClosed(WAIT)).as("the client closes the refused connection").isTrue();
    assertThat(gateway.pollAccept(Duration.ofMillis(200))).as("no background retry").isNull();

    ServiceClient silent = client(builder("silent").timeout(Duration.ofMillis(200)));
    CompletableFuture<Void> waiting = CompletableFuture.runAsync(silent::connect);
    gateway.accept(WAIT).read("REGISTER", WAIT);
    ExecutionException t =
        catchThrowableOfType(ExecutionException.class, () -> waiting.get(5, TimeUnit.SECONDS));
    assertThat(((ServiceException) t.getCause()).code()).isEqualTo("CONNECTION_FAILED");
    assertThat(t.getCause().getMessage()).isEqualTo("Registration timeout after 200ms");
    assertThat(silent.isConnected()).isFalse();
  }

  @Test
  void noGatewayFailsConnectWithConnectionFailed() throws IOException {
    gateway.stop();
    ServiceClient c = client(builder("A"));
    assertThatThrownBy(c::connect)
        .isInstanceOfSatisfying(
            ServiceException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ServiceException.CONNECTION_FAILED);
              assertThat(e.getMessage()).contains(gateway.socket.toString());
            });
  }

  @Test
  void incomingCallsAreAnsweredWithTheCallsIdContextAndAddresses() throws Exception {
    ServiceClient c = client(builder("B"));
    c.registerMethod(
        "fail",
        (p, ctx) -> {
          throw new IllegalArgumentException("bad input");
        });
    c.registerMethod("ctx", (p, ctx) -> ctx.caller() + "@" + ctx.depth());
    Peer p = connect(c);
    long deadline = System.currentTimeMillis() + 60_000;
    ObjectNode context =
        obj("root", "root-1-abc", "chain", List.of("X", "Y"), "depth", 2, "deadline", deadline);

    p.send(
        obj(
            "type", "CALL", "id", "r1", "from", "Y", "to", "B", "method", "nope", "params",
            Map.of(), "context", context));
    JsonNode r1 = p.read("RESPONSE", WAIT).message();
    assertThat(r1)
        .isEqualTo(
            obj(
                "type",
                "RESPONSE",
                "id",
                "r1",
                "from",
                "B",
                "to",
                "Y",
                "status",
                "error",
                "error",
                obj("message", "Method 'nope' not found", "code", "METHOD_NOT_FOUND"),
                "context",
                context));

    p.send(
        obj(
            "type", "CALL", "id", "r2", "from", "Y", "to", "B", "method", "fail", "params",
            Map.of(), "context", context));
    JsonNode r2 = p.read("RESPONSE", WAIT).message();
    assertThat(r2.get("error")).isEqualTo(obj("message", "bad input", "code", "EXECUTION_FAILED"));

    p.send(
        obj(
            "type", "CALL", "id", "r3", "from", "Y", "to", "B", "method", "ctx", "params", Map.of(),
            "context", context));
    JsonNode r3 = p.read("RESPONSE", WAIT).message();
    assertThat(r3.get("status").asText()).isEqualTo("success");
    assertThat(r3.get("data").asText()).isEqualTo("Y@2");

    ObjectNode expired = context.deepCopy().put("deadline", System.currentTimeMillis() - 1);
    p.send(
        obj(
            "type", "CALL", "id", "r4", "from", "Y", "to", "B", "method", "ctx", "params", Map.of(),
            "context", expired));
    assertThat(p.read("RESPONSE", WAIT).message().get("error").get("code").asText())
        .isEqualTo("DEADLINE_EXCEEDED");

    p.send(
        obj(
            "type", "CALL", "id", "r5", "from", "Y", "to", "B", "method", "ctx", "params",
            Map.of()));
    assertThat(p.read("RESPONSE", WAIT).message().get("error").get("code").asText())
        .isEqualTo("INVALID_CONTEXT");
  }

  @Test
  void debugModeSendsStackTraces() throws Exception {
    ServiceClient c = client(builder("B").debug(true));
    c.registerMethod(
        "fail",
        (p, ctx) -> {
          throw new IllegalStateException("kaput");
        });
    Peer p = connect(c);
    ObjectNode context =
        obj(
            "root",
            "r",
            "chain",
            List.of("X"),
            "depth",
            1,
            "deadline",
            System.currentTimeMillis() + 60_000);
    p.send(
        obj(
            "type", "CALL", "id", "r1", "from", "X", "to", "B", "method", "fail", "params",
            Map.of(), "context", context));
    JsonNode error = p.read("RESPONSE", WAIT).message().get("error");
    assertThat(error.get("stack").asText()).contains("IllegalStateException: kaput");
  }

  @Test
  void connectionLossFailsPendingCallsAtOnceAndReconnectReregisters() throws Exception {
    ServiceClient c = client(builder("A").timeout(Duration.ofSeconds(30)));
    c.registerMethod("first", (p, ctx) -> null);
    Peer p = connect(c);
    c.registerMethod("second", (p2, ctx) -> null);
    CompletableFuture<JsonNode> f1 = c.callAsync("B", "m", null, JsonNode.class);
    CompletableFuture<JsonNode> f2 = c.callAsync("B", "m", null, JsonNode.class);
    p.read("CALL", WAIT);
    p.read("CALL", WAIT);
    p.close();
    for (CompletableFuture<JsonNode> f : List.of(f1, f2)) {
      ExecutionException e =
          catchThrowableOfType(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
      assertThat(((ServiceException) e.getCause()).code())
          .isEqualTo(ServiceException.CONNECTION_LOST);
    }
    Peer again = gateway.accept(WAIT);
    JsonNode register = again.read("REGISTER", WAIT).message();
    assertThat(register.get("methods"))
        .isEqualTo(WireCodec.JSON.valueToTree(List.of("first", "second")));
    again.send(obj("type", "REGISTER_ACK"));
    await("reconnected", WAIT, c::isConnected);
  }

  @Test
  void reconnectDelaysDoubleUpToTheCap() throws Exception {
    ServiceClient c =
        client(
            builder("A")
                .reconnectDelay(Duration.ofMillis(40))
                .maxReconnectDelay(Duration.ofMillis(160)));
    Peer p = connect(c);
    p.close();
    List<Long> times = new ArrayList<>();
    long lost = System.nanoTime();
    for (int i = 0; i < 5; i++) {
      Peer attempt = gateway.accept(WAIT);
      times.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lost));
      attempt.read("REGISTER", WAIT);
      attempt.close(); // refuse: the client tries again later
    }
    List<Long> gaps = new ArrayList<>();
    for (int i = 1; i < times.size(); i++) {
      gaps.add(times.get(i) - times.get(i - 1));
    }
    // expected delays 40, 80, 160, 160, 160 ms (plus scheduling noise)
    assertThat(times.get(0)).isGreaterThanOrEqualTo(35);
    assertThat(gaps.get(0)).isGreaterThanOrEqualTo(75);
    assertThat(gaps.get(1)).isGreaterThanOrEqualTo(155);
    assertThat(gaps.get(3)).isGreaterThanOrEqualTo(155).isLessThan(1_000);
    assertThat(c.getStatus().reconnectAttempts()).isGreaterThanOrEqualTo(5);
  }

  @Test
  @DisplayName("clientBug5: disconnect fails pending calls and never reconnects")
  void disconnectFailsPendingCallsAndNeverReconnects() throws Exception {
    ServiceClient c = client(builder("A").reconnectDelay(Duration.ofMillis(10)));
    Peer p = connect(c);
    CompletableFuture<JsonNode> f = c.callAsync("B", "m", null, JsonNode.class);
    p.read("CALL", WAIT);
    c.disconnect();
    ExecutionException e =
        catchThrowableOfType(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
    assertThat(((ServiceException) e.getCause()).code()).isEqualTo(ServiceException.NOT_CONNECTED);
    assertThat(p.awaitClosed(WAIT)).isTrue();
    assertThat(gateway.pollAccept(Duration.ofMillis(300))).isNull();
  }

  @Test
  @DisplayName("clientBug3: no timer outlives its call")
  void noTimerOutlivesItsCall() throws Exception {
    ServiceClient c = client(builder("A").timeout(Duration.ofSeconds(30)));
    Peer p = connect(c);
    int idle = c.scheduledTasks();
    List<CompletableFuture<JsonNode>> calls = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      calls.add(c.callAsync("B", "m", null, JsonNode.class));
    }
    for (int i = 0; i < 10; i++) {
      p.send(response(p.read("CALL", WAIT).message(), "success", i));
    }
    p.close(); // the other 10 fail with CONNECTION_LOST
    for (CompletableFuture<JsonNode> f : calls) {
      f.handle((v, e) -> null).get(5, TimeUnit.SECONDS);
    }
    await("timers cancelled", WAIT, () -> c.scheduledTasks() <= idle + 1); // + a reconnect attempt
    assertThat(c.getStatus().pendingCalls()).isZero();
  }

  @Test
  void asyncResultsAreCompletedOffTheClientsThreads() throws Exception {
    ServiceClient c = client(builder("A"));
    Peer p = connect(c);
    CompletableFuture<String> thread =
        c.callAsync("B", "m", null, JsonNode.class)
            .thenApply(v -> Thread.currentThread().getName());
    p.send(response(p.read("CALL", WAIT).message(), "success", 1));
    assertThat(thread.get(5, TimeUnit.SECONDS)).doesNotContain("-reader-", "-timer");
  }

  @Test
  void anOversizedIncomingFrameClosesTheConnection() throws Exception {
    ServiceClient c = client(builder("A").maxFrameSize(4096).autoReconnect(false));
    Peer p = connect(c);
    p.sendRaw(new byte[5000]);
    await("disconnected", WAIT, () -> !c.isConnected());
    assertThat(p.awaitClosed(WAIT)).isTrue();
  }

  @Test
  void anOversizedCallFailsWithoutBeingSent() throws Exception {
    ServiceClient c = client(builder("A").maxFrameSize(4096));
    connect(c);
    assertThatThrownBy(() -> c.call("B", "m", Map.of("blob", "x".repeat(5000)), JsonNode.class))
        .isInstanceOfSatisfying(
            ServiceException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ServiceException.INVALID_MESSAGE);
              assertThat(e.getMessage()).contains("exceeds the maximum frame size of 4096 bytes");
            });
    assertThat(c.getStatus().pendingCalls()).isZero();
  }
}
