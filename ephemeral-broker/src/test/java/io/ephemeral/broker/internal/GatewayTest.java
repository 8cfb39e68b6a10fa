package io.ephemeral.broker.internal;

import static io.ephemeral.broker.FrameClient.call;
import static io.ephemeral.broker.FrameClient.register;
import static io.ephemeral.broker.FrameClient.response;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ephemeral.broker.BrokerFixture;
import io.ephemeral.broker.FrameClient;
import io.ephemeral.broker.GatewayListener;
import io.ephemeral.broker.GatewayPeers;
import io.ephemeral.broker.ServiceInfo;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The gateway protocol on the broker's socket, with raw frame peers. */
class GatewayTest {
  @RegisterExtension final GatewayPeers gateway = new GatewayPeers();
  private BrokerFixture f;
  private final List<String> events = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    f =
        gateway.start(
            b ->
                b.maxFrameSize(4096)
                    .staleServiceTimeout(Duration.ofSeconds(10))
                    .gatewayListener(
                        new GatewayListener() {
                          @Override
                          public void serviceRegistered(String service, List<String> methods) {
                            events.add("registered " + service + " " + methods);
                          }

                          @Override
                          public void serviceDisconnected(String service) {
                            events.add("disconnected " + service);
                          }

                          @Override
                          public void callRouted(
                              String from, String to, String method, String requestId) {
                            events.add("call " + from + "->" + to + "." + method + " " + requestId);
                          }

                          @Override
                          public void responseRouted(
                              String from, String to, String status, String requestId) {
                            events.add(
                                "response " + from + "->" + to + " " + status + " " + requestId);
                          }
                        }));
  }

  private FrameClient service(String name, String... methods) {
    FrameClient c = gateway.peer();
    c.sendJson(register(name, methods));
    assertThat(c.read().toString()).isEqualTo("{\"type\":\"REGISTER_ACK\"}");
    return c;
  }

  private long later() {
    return f.clock.millis() + 60_000;
  }

  @Test
  void registerIsAcknowledgedWithExactlyTheType() {
    FrameClient a = gateway.peer();
    a.sendJson(register("orders", "list"));
    assertThat(new String(a.readBody(), StandardCharsets.UTF_8))
        .isEqualTo("{\"type\":\"REGISTER_ACK\"}");
    assertThat(f.broker.gateway().getConnectedServices()).containsExactly("orders");
    ServiceInfo info = f.broker.gateway().getService("orders").orElseThrow();
    assertThat(info.methods()).containsExactly("list");
    assertThat(info.version()).isEqualTo("1.0.0");
    assertThat(events).contains("registered orders [list]");
  }

  @Test
  void aDuplicateNameIsRefusedAndTheFirstKeepsIt() {
    FrameClient first = service("orders");
    FrameClient second = gateway.peer();
    second.sendJson(register("orders"));
    assertThat(second.read().toString())
        .isEqualTo(
            "{\"type\":\"ERROR\",\"error\":{\"message\":\"Service 'orders' is already registered\",\"code\":\"CONNECTION_FAILED\"}}");
    assertThat(second.closedByPeer()).isTrue();
    FrameClient caller = service("caller");
    caller.sendJson(call("r1", "caller", "orders", "list", "{}", later(), 2));
    assertThat(first.read().get("id").asText()).isEqualTo("r1");
  }

  @Test
  @DisplayName("gatewayBug2: calls and responses are forwarded byte for byte, not re-encoded")
  void callsAndResponsesAreForwardedByteForByte() {
    FrameClient users = service("users", "get");
    FrameClient orders = service("orders");
    String callText =
        call(
            "req-1",
            "orders",
            "users",
            "get",
            "{\"id\":42,\"big\":12345678901234567890,\"f\":1.50}",
            later(),
            2);
    orders.sendJson(callText);
    assertThat(new String(users.readBody(), StandardCharsets.UTF_8)).isEqualTo(callText);
    String answer = response("req-1", "users", "orders", "{\"name\":\"Ada\",\"n\":1E3}");
    users.sendJson(answer);
    assertThat(new String(orders.readBody(), StandardCharsets.UTF_8)).isEqualTo(answer);
    assertThat(events)
        .contains("call orders->users.get req-1", "response users->orders success req-1");
  }

  @Test
  @DisplayName(
      "gatewayBug4, gatewayBug13: an unknown service is an error RESPONSE at once, without a stack trace")
  void unknownServiceIsAnErrorResponseAtOnce() {
    FrameClient a = service("a");
    a.sendJson(call("r1", "a", "ghost", "m", "{}", later(), 2));
    JsonNode r = a.read();
    assertThat(r.get("type").asText()).isEqualTo("RESPONSE");
    assertThat(r.get("id").asText()).isEqualTo("r1");
    assertThat(r.get("from").asText()).isEqualTo("ghost");
    assertThat(r.get("to").asText()).isEqualTo("a");
    assertThat(r.get("status").asText()).isEqualTo("error");
    assertThat(r.get("error").get("code").asText()).isEqualTo("SERVICE_NOT_FOUND");
    assertThat(r.get("error").get("message").asText())
        .isEqualTo("Target service 'ghost' not found");
    assertThat(r.get("context").get("root").asText()).isEqualTo("root-1");
    assertThat(r.get("error").has("stack")).isFalse();
  }

  @Test
  @DisplayName("gatewayBug4: deadline and depth failures are error RESPONSEs")
  void deadlineAndDepthAreCheckedBeforeRouting() {
    FrameClient b = service("b");
    FrameClient a = service("a");
    a.sendJson(call("late", "a", "b", "m", "{}", f.clock.millis() - 1, 2));
    assertThat(a.read().get("error").get("code").asText()).isEqualTo("DEADLINE_EXCEEDED");
    a.sendJson(call("deep", "a", "b", "m", "{}", later(), 101));
    assertThat(a.read().get("error").get("code").asText()).isEqualTo("MAX_DEPTH_EXCEEDED");
    a.sendJson(call("ok", "a", "b", "m", "{}", later(), 100));
    assertThat(b.read().get("id").asText()).isEqualTo("ok");
  }

  @Test
  @DisplayName(
      "gatewayBug8, gatewayBug11: unregistered or spoofed senders and invalid CALLs are answered with the reason")
  void invalidCallsAreAnsweredNotDropped() {
    service("b");
    FrameClient a = service("a");
    a.sendJson(
        "{\"type\":\"CALL\",\"id\":\"nc\",\"from\":\"a\",\"to\":\"b\",\"method\":\"m\",\"params\":{}}");
    assertThat(a.read().get("error").get("code").asText()).isEqualTo("INVALID_CONTEXT");
    a.sendJson(call("spoof", "b", "b", "m", "{}", later(), 2));
    JsonNode spoof = a.read();
    assertThat(spoof.get("error").get("code").asText()).isEqualTo("INVALID_MESSAGE");
    assertThat(spoof.get("error").get("message").asText()).contains("registered as 'a'");
    FrameClient anonymous = gateway.peer();
    anonymous.sendJson(call("anon", "x", "b", "m", "{}", later(), 2));
    assertThat(anonymous.read().get("error").get("code").asText()).isEqualTo("NOT_CONNECTED");
    a.sendJson("{\"type\":\"CALL\",\"from\":\"a\",\"to\":\"b\"}");
    JsonNode noId = a.read();
    assertThat(noId.get("type").asText()).isEqualTo("ERROR");
    assertThat(noId.get("error").get("code").asText()).isEqualTo("INVALID_MESSAGE");
  }

  @Test
  @DisplayName("gatewayBug7: a spoofed or repeated RESPONSE is dropped")
  void aSpoofedOrRepeatedResponseIsDropped() {
    FrameClient b = service("b");
    FrameClient a = service("a");
    FrameClient mallory = service("mallory");
    a.sendJson(call("r1", "a", "b", "m", "{}", later(), 2));
    b.read();
    mallory.sendJson(response("r1", "b", "a", "\"forged\""));
    b.sendJson(response("r1", "b", "a", "\"real\""));
    assertThat(a.read().get("data").asText()).isEqualTo("real");
    b.sendJson(response("r1", "b", "a", "\"again\""));
    // Nothing more arrives for r1: the next frame a sees is the answer to a new call.
    a.sendJson(call("r2", "a", "b", "m", "{}", later(), 2));
    b.read();
    b.sendJson(response("r2", "b", "a", "\"second\""));
    assertThat(a.read().get("data").asText()).isEqualTo("second");
  }

  @Test
  @DisplayName("gatewayBug5: calls to a service whose last connection closes fail at once")
  void callsToAServiceWhoseLastConnectionClosesFailAtOnce() {
    FrameClient b = service("b");
    FrameClient a = service("a");
    a.sendJson(call("r1", "a", "b", "m", "{}", later(), 2));
    a.sendJson(call("r2", "a", "b", "m", "{}", later(), 2));
    b.read();
    b.read();
    b.close();
    JsonNode first = a.read();
    JsonNode second = a.read();
    assertThat(List.of(first.get("id").asText(), second.get("id").asText()))
        .containsExactlyInAnyOrder("r1", "r2");
    assertThat(first.get("error").get("code").asText()).isEqualTo("CONNECTION_LOST");
    assertThat(second.get("error").get("code").asText()).isEqualTo("CONNECTION_LOST");
    assertThat(f.broker.gateway().isServiceConnected("b")).isFalse();
    assertThat(events).contains("disconnected b");
  }

  @Test
  @DisplayName(
      "gatewayBug7, gatewayBug9: responses are matched by service and id; a lost pool member loses nothing")
  void pooledServicesShareCallsAndAnswerOnAnyConnection() {
    FrameClient p0 = gateway.peer();
    FrameClient p1 = gateway.peer();
    p0.sendJson(
        "{\"type\":\"REGISTER\",\"serviceName\":\"pool\",\"methods\":[],\"version\":\"1.0.0\",\"metadata\":{\"poolIndex\":0,\"poolSize\":2}}");
    p1.sendJson(
        "{\"type\":\"REGISTER\",\"serviceName\":\"pool\",\"methods\":[],\"version\":\"1.0.0\",\"metadata\":{\"poolIndex\":1,\"poolSize\":2}}");
    assertThat(p0.read().get("type").asText()).isEqualTo("REGISTER_ACK");
    assertThat(p1.read().get("type").asText()).isEqualTo("REGISTER_ACK");
    assertThat(f.broker.gateway().getService("pool").orElseThrow().connections()).isEqualTo(2);
    FrameClient a = service("a");
    a.sendJson(call("c1", "a", "pool", "m", "{}", later(), 2));
    a.sendJson(call("c2", "a", "pool", "m", "{}", later(), 2));
    // Round robin: one call each (which one gets which depends on who registered first).
    String atP0 = p0.read().get("id").asText();
    String atP1 = p1.read().get("id").asText();
    assertThat(List.of(atP0, atP1)).containsExactlyInAnyOrder("c1", "c2");
    // Each answers the other's call: responses are matched by service and id, not by connection.
    p1.sendJson(response(atP0, "pool", "a", "1"));
    p0.sendJson(response(atP1, "pool", "a", "2"));
    assertThat(List.of(a.read().get("id").asText(), a.read().get("id").asText()))
        .containsExactlyInAnyOrder("c1", "c2");
    // Losing one pool connection loses nothing: the other takes the calls.
    p0.close();
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (f.broker.gateway().getService("pool").orElseThrow().connections() != 1) {
      assertThat(System.nanoTime()).as("pool connection closed").isLessThan(deadline);
    }
    a.sendJson(call("c3", "a", "pool", "m", "{}", later(), 2));
    assertThat(p1.read().get("id").asText()).isEqualTo("c3");
  }

  @Test
  @DisplayName("gatewayBug9: only connections of the same pool may join it")
  void onlyConnectionsOfTheSamePoolMayJoinIt() {
    FrameClient p0 = gateway.peer();
    p0.sendJson(
        "{\"type\":\"REGISTER\",\"serviceName\":\"pool\",\"metadata\":{\"poolIndex\":0,\"poolSize\":2}}");
    assertThat(p0.read().get("type").asText()).isEqualTo("REGISTER_ACK");
    for (String metadata :
        List.of("{\"poolIndex\":5,\"poolSize\":2}", "{\"poolIndex\":1,\"poolSize\":3}", "{}")) {
      FrameClient intruder = gateway.peer();
      intruder.sendJson(
          "{\"type\":\"REGISTER\",\"serviceName\":\"pool\",\"metadata\":" + metadata + "}");
      assertThat(intruder.read().get("error").get("code").asText())
          .as(metadata)
          .isEqualTo("CONNECTION_FAILED");
    }
    FrameClient p1 = gateway.peer();
    p1.sendJson(
        "{\"type\":\"REGISTER\",\"serviceName\":\"pool\",\"metadata\":{\"poolIndex\":1,\"poolSize\":2}}");
    assertThat(p1.read().get("type").asText()).isEqualTo("REGISTER_ACK");
    FrameClient third = gateway.peer();
    third.sendJson(
        "{\"type\":\"REGISTER\",\"serviceName\":\"pool\",\"metadata\":{\"poolIndex\":0,\"poolSize\":2}}");
    assertThat(third.read().get("error").get("code").asText())
        .as("pool full")
        .isEqualTo("CONNECTION_FAILED");
  }

  @Test
  @DisplayName("gatewayBug5: the gateway enforces call deadlines itself")
  void theGatewayEnforcesDeadlinesItself() {
    FrameClient b = service("b");
    FrameClient a = service("a");
    a.sendJson(call("slow", "a", "b", "m", "{}", f.clock.millis() + 1000, 2));
    b.read();
    // At the deadline the caller's own timer reports first; the gateway answers after a grace.
    f.clock.advance(Duration.ofMillis(1000));
    f.sync();
    f.clock.advance(Duration.ofMillis(GatewayRouter.DEADLINE_GRACE_MILLIS));
    JsonNode r = a.read();
    assertThat(r.get("id").asText()).isEqualTo("slow");
    assertThat(r.get("error").get("code").asText()).isEqualTo("DEADLINE_EXCEEDED");
    JsonNode cancel = b.read(); // and the callee is told to stop
    assertThat(cancel.get("type").asText()).isEqualTo("CANCEL");
    assertThat(cancel.get("id").asText()).isEqualTo("slow");
    b.sendJson(response("slow", "b", "a", "\"too late\""));
    a.sendJson(call("next", "a", "b", "m", "{}", later(), 2));
    b.read();
    b.sendJson(response("next", "b", "a", "\"fine\""));
    assertThat(a.read().get("id").asText()).isEqualTo("next");
  }

  @Test
  @DisplayName("gatewayBug6: services that send nothing are evicted")
  void staleServicesAreEvicted() {
    FrameClient quiet = service("quiet");
    FrameClient chatty = service("chatty");
    for (int i = 0; i < 4; i++) {
      f.clock.advance(Duration.ofSeconds(4));
      chatty.sendJson(
          "{\"type\":\"HEARTBEAT\",\"from\":\"chatty\",\"timestamp\":" + f.clock.millis() + "}");
      f.sync();
    }
    assertThat(quiet.closedByPeer()).isTrue();
    assertThat(f.broker.gateway().getConnectedServices()).containsExactly("chatty");
  }

  @Test
  @DisplayName("gatewayBug1: an oversized frame is refused from its header and skipped unread")
  void anOversizedFrameIsRefusedFromItsHeaderAndSkipped() {
    FrameClient a = service("a");
    ByteBuffer header = ByteBuffer.allocate(4).putInt(1_000_000_000);
    a.sendRaw(header.array());
    JsonNode err = a.read(); // answered before a single body byte was sent
    assertThat(err.get("type").asText()).isEqualTo("ERROR");
    assertThat(err.get("error").get("message").asText()).contains("1000000000").contains("4096");
    a.close();
    FrameClient b = service("b");
    byte[] big = new byte[5000];
    java.util.Arrays.fill(big, (byte) 'x');
    b.sendBody(big);
    b.sendJson("{\"type\":\"HEARTBEAT\",\"from\":\"b\",\"timestamp\":1}");
    b.sendJson(call("after", "b", "nobody", "m", "{}", later(), 2));
    assertThat(b.read().get("type").asText()).isEqualTo("ERROR");
    assertThat(b.read().get("id").asText()).isEqualTo("after");
  }

  @Test
  @DisplayName(
      "gatewayBug12, gatewayBug13: a malformed frame loses nothing around it and leaks no stack trace")
  void aMalformedFrameLosesNothingAroundIt() {
    FrameClient b = service("b");
    FrameClient a = service("a");
    ByteBuffer batch = ByteBuffer.allocate(4096);
    for (String text :
        new String[] {
          call("one", "a", "b", "m", "{}", later(), 2),
          "{not json",
          "[1,2]",
          "{\"no\":\"type\"}",
          "{\"type\":\"WHAT\",\"id\":\"w\"}",
          call("two", "a", "b", "m", "{}", later(), 2)
        }) {
      byte[] body = text.getBytes(StandardCharsets.UTF_8);
      batch.putInt(body.length).put(body);
    }
    a.sendRaw(java.util.Arrays.copyOf(batch.array(), batch.position()));
    assertThat(b.read().get("id").asText()).isEqualTo("one");
    assertThat(b.read().get("id").asText()).isEqualTo("two");
    assertThat(a.read().get("error").get("code").asText()).isEqualTo("DESERIALIZATION_FAILED");
    assertThat(a.read().get("error").get("code").asText()).isEqualTo("DESERIALIZATION_FAILED");
    assertThat(a.read().get("error").get("message").asText())
        .isEqualTo("Message missing \"type\" field");
    JsonNode unknown = a.read();
    assertThat(unknown.get("error").get("message").asText())
        .isEqualTo("Unknown message type: WHAT");
    assertThat(unknown.get("id").asText()).isEqualTo("w");
    assertThat(unknown.get("error").has("stack")).isFalse();
  }

  @Test
  void kvAndGatewayShareTheSocket() throws Exception {
    service("svc", "x");
    assertThat(f.call("{\"action\":\"ping\"}")).startsWith("{\"ok\":true");
    JsonNode services = f.callJson("{\"action\":\"services\"}");
    assertThat(services.get("services").get(0).get("name").asText()).isEqualTo("svc");
    assertThat(services.get("services").get(0).get("methods").get(0).asText()).isEqualTo("x");
  }

  @Test
  void servicesReportsTheCallGraph() {
    FrameClient b = service("b");
    FrameClient a = service("a");
    a.sendJson(call("1", "a", "b", "m", "{}", later(), 2));
    b.read();
    b.sendJson(
        "{\"type\":\"RESPONSE\",\"id\":\"1\",\"from\":\"b\",\"to\":\"a\",\"status\":\"error\",\"error\":{\"message\":\"no\",\"code\":\"E_X\"}}");
    a.read();
    a.sendJson(call("2", "a", "b", "m", "{}", later(), 2));
    b.read();
    b.sendJson(response("2", "b", "a", "1"));
    a.read();
    JsonNode edges = f.callJson("{\"action\":\"services\"}").get("edges");
    assertThat(edges).hasSize(1);
    assertThat(edges.get(0).get("from").asText()).isEqualTo("a");
    assertThat(edges.get(0).get("to").asText()).isEqualTo("b");
    assertThat(edges.get(0).get("calls").asInt()).isEqualTo(2);
    assertThat(edges.get(0).get("errors").asInt()).isEqualTo(1);
  }

  @Test
  @DisplayName("gatewayBug14: stop closes every connection and never hangs")
  void stopClosesEveryConnectionAndNeverHangs() {
    service("registered");
    FrameClient unregistered = gateway.peer();
    unregistered.sendJson("{\"type\":\"HEARTBEAT\"}");
    FrameClient pool = gateway.peer();
    pool.sendJson(
        "{\"type\":\"REGISTER\",\"serviceName\":\"p\",\"metadata\":{\"poolIndex\":0,\"poolSize\":1}}");
    pool.read();
    f.broker.stop();
    assertThat(unregistered.closedByPeer()).isTrue();
    assertThat(pool.closedByPeer()).isTrue();
    assertThat(f.broker.gateway().getStatus().running()).isFalse();
  }
}
