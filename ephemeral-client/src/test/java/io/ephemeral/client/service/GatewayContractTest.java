package io.ephemeral.client.service;

import static io.ephemeral.client.service.ScriptedGateway.obj;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ephemeral.broker.Broker;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageFormat;

/**
 * The gateway behaviour the service client relies on, probed with raw frames against the real
 * broker: routing failures answered as error RESPONSEs with the CALL's id, responses taken from any
 * connection of a pooled callee, repeated responses dropped, deadlines enforced by the gateway,
 * msgpackr's number rule in converted frames, heartbeats keeping a service alive.
 */
class GatewayContractTest {
  private static final Duration WAIT = Duration.ofSeconds(5);

  private Path dir;
  private Broker broker;
  private final List<Peer> peers = new ArrayList<>();

  @BeforeEach
  void start() throws IOException {
    dir = Files.createTempDirectory("svc-");
    // The raw peers send no heartbeats: a short stale timeout would evict them mid-test on a busy
    // host. The eviction test starts its own broker with a short one.
    startBroker(Duration.ofMinutes(10));
  }

  private void startBroker(Duration staleServiceTimeout) throws IOException {
    broker =
        Broker.builder()
            .environment(Map.of())
            .shutdownHook(false)
            .socketPath(dir.resolve("b.sock"))
            .staleServiceTimeout(staleServiceTimeout)
            .logLevel("warn")
            .build();
    broker.start();
  }

  @AfterEach
  void stop() throws IOException {
    peers.forEach(Peer::close);
    broker.stop();
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private Peer connect() throws IOException {
    SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
    ch.connect(UnixDomainSocketAddress.of(broker.socketPath()));
    Peer p = new Peer(ch);
    p.start();
    peers.add(p);
    return p;
  }

  private Peer register(String name, Serializer encoding, Object metadata) throws Exception {
    Peer p = connect();
    p.encoding = encoding;
    p.send(
        obj(
            "type",
            "REGISTER",
            "serviceName",
            name,
            "methods",
            List.of(),
            "version",
            "1.0.0",
            "metadata",
            metadata));
    assertThat(p.read(WAIT).message()).isEqualTo(obj("type", "REGISTER_ACK"));
    return p;
  }

  private static ObjectNode call(String id, String from, String to, long deadline, int depth) {
    return ScriptedGateway.call(id, from, to, "m", deadline, depth);
  }

  private static void assertRoutingError(JsonNode response, ObjectNode call, String code) {
    assertThat(response.get("type").asText()).as("%s", response).isEqualTo("RESPONSE");
    assertThat(response.get("id")).isEqualTo(call.get("id"));
    assertThat(response.get("status").asText()).isEqualTo("error");
    assertThat(response.get("error").get("code").asText()).isEqualTo(code);
    assertThat(response.get("to")).isEqualTo(call.get("from"));
    assertThat(response.get("context")).isEqualTo(call.get("context"));
  }

  @Test
  @DisplayName("gatewayBug4: routing failures are error RESPONSEs carrying the call id")
  void routingFailuresAreErrorResponsesWithTheCallsId() throws Exception {
    long later = System.currentTimeMillis() + 60_000;
    Peer stranger = connect();
    ObjectNode unregistered = call("c1", "ghost", "b", later, 2);
    stranger.send(unregistered);
    assertRoutingError(stranger.read(WAIT).message(), unregistered, "NOT_CONNECTED");

    Peer a = register("a", Serializer.JSON, Map.of());
    register("b", Serializer.JSON, Map.of());
    ObjectNode nobody = call("c2", "a", "nobody", later, 2);
    a.send(nobody);
    assertRoutingError(a.read(WAIT).message(), nobody, "SERVICE_NOT_FOUND");
    ObjectNode expired = call("c3", "a", "b", System.currentTimeMillis() - 1, 2);
    a.send(expired);
    assertRoutingError(a.read(WAIT).message(), expired, "DEADLINE_EXCEEDED");
    ObjectNode deep = call("c4", "a", "b", later, 101);
    a.send(deep);
    assertRoutingError(a.read(WAIT).message(), deep, "MAX_DEPTH_EXCEEDED");
    ObjectNode spoofed = call("c5", "b", "b", later, 2);
    a.send(spoofed);
    JsonNode refused = a.read(WAIT).message();
    assertThat(refused.get("id").asText()).isEqualTo("c5");
    assertThat(refused.get("status").asText()).isEqualTo("error");
  }

  @Test
  void aPooledCalleeMayAnswerOnAnyConnectionAndOnlyOnce() throws Exception {
    Peer a = register("a", Serializer.JSON, Map.of());
    Peer p0 = register("p", Serializer.JSON, Map.of("poolIndex", 0, "poolSize", 2));
    Peer p1 = register("p", Serializer.JSON, Map.of("poolIndex", 1, "poolSize", 2));
    long later = System.currentTimeMillis() + 60_000;

    for (int i = 0; i < 4; i++) {
      ObjectNode c = call("c" + i, "a", "p", later, 2);
      a.send(c);
      Peer got = pollEither(p0, p1);
      Peer other = got == p0 ? p1 : p0;
      ObjectNode answer = ScriptedGateway.response(c, "success", i);
      other.send(answer);
      got.send(answer); // a repeat: dropped
      JsonNode r = a.read(WAIT).message();
      assertThat(r.get("id").asText()).isEqualTo("c" + i);
      assertThat(r.get("data").asInt()).isEqualTo(i);
    }
  }

  /** The CALL arrives on one connection of the pool; returns that one. */
  private static Peer pollEither(Peer p0, Peer p1) throws InterruptedException {
    long end = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < end) {
      for (Peer p : List.of(p0, p1)) {
        try {
          p.read("CALL", Duration.ofMillis(20));
          return p;
        } catch (AssertionError notHere) {
          // try the other one
        }
      }
    }
    throw new AssertionError("the CALL reached no pool connection");
  }

  @Test
  void theGatewayEnforcesTheDeadline() throws Exception {
    Peer a = register("a", Serializer.JSON, Map.of());
    Peer b = register("b", Serializer.JSON, Map.of());
    long t0 = System.nanoTime();
    ObjectNode c = call("c1", "a", "b", System.currentTimeMillis() + 300, 2);
    a.send(c);
    b.read("CALL", WAIT); // b never answers
    assertRoutingError(a.read(WAIT).message(), c, "DEADLINE_EXCEEDED");
    assertThat(Duration.ofNanos(System.nanoTime() - t0))
        .isBetween(Duration.ofMillis(250), Duration.ofSeconds(3));
  }

  @Test
  void convertedFramesFollowMsgpackrsNumberRule() throws Exception {
    Peer a = register("a", Serializer.MSGPACK, Map.of());
    Peer b = register("b", Serializer.JSON, Map.of());
    long deadline = System.currentTimeMillis() + 60_000;
    ObjectNode c = call("c1", "a", "b", deadline, 2);
    a.send(c);
    Peer.Frame atB = b.read("CALL", WAIT);
    assertThat(atB.isJson()).isTrue();
    assertThat(atB.message().get("context").get("deadline").asLong()).isEqualTo(deadline);
    b.send(
        ScriptedGateway.response(
            atB.message(), "success", Map.of("big", 1L << 40, "small", 5, "neg", -(1L << 33))));
    Peer.Frame atA = a.read("RESPONSE", WAIT);
    assertThat(atA.isJson()).isFalse();
    Map<String, MessageFormat> formats = atA.formats();
    assertThat(formats.get("data.big")).isEqualTo(MessageFormat.FLOAT64);
    assertThat(formats.get("data.neg")).isEqualTo(MessageFormat.FLOAT64);
    assertThat(formats.get("data.small")).isEqualTo(MessageFormat.POSFIXINT);
    assertThat(formats.get("context.deadline")).isEqualTo(MessageFormat.FLOAT64);
    assertThat(formats.values()).doesNotContain(MessageFormat.INT64, MessageFormat.UINT64);

    ObjectNode nobody = call("c2", "a", "nobody", deadline, 2);
    a.send(nobody);
    Peer.Frame error = a.read("RESPONSE", WAIT);
    assertThat(error.isJson()).as("the gateway answers in the caller's encoding").isFalse();
    assertThat(error.formats().values()).doesNotContain(MessageFormat.INT64, MessageFormat.UINT64);
  }

  @Test
  void heartbeatsKeepAServiceAliveAndSilenceGetsItEvicted() throws Exception {
    broker.stop();
    startBroker(Duration.ofSeconds(1));
    ServiceClient.Builder builder =
        ServiceClient.builder()
            .gateway(broker.socketPath())
            .environment(Map.of())
            .heartbeatInterval(Duration.ofMillis(200))
            .autoReconnect(false);
    try (ServiceClient alive = builder.serviceName("alive").build();
        ServiceClient caller = builder.serviceName("caller").build()) {
      alive.registerMethod("ping", (p, ctx) -> "pong");
      alive.connect();
      caller.connect();
      Peer silent = register("silent", Serializer.JSON, Map.of());

      assertThat(silent.awaitClosed(Duration.ofSeconds(10)))
          .as("the silent service is evicted")
          .isTrue();
      assertThatThrownBy(() -> caller.call("silent", "m", null, JsonNode.class))
          .isInstanceOfSatisfying(
              ServiceException.class,
              e -> assertThat(e.code()).isEqualTo(ServiceException.SERVICE_NOT_FOUND));
      assertThat(alive.isConnected()).isTrue();
      assertThat(caller.call("alive", "ping", null, String.class)).isEqualTo("pong");
    }
  }
}
