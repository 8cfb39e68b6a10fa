package io.ephemeral.broker.internal;

import static io.ephemeral.broker.FrameClient.call;
import static io.ephemeral.broker.FrameClient.register;
import static io.ephemeral.broker.FrameClient.response;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.ephemeral.broker.Broker;
import io.ephemeral.broker.BrokerFixture;
import io.ephemeral.broker.FrameClient;
import io.ephemeral.broker.Gateway;
import io.ephemeral.broker.GatewayListener;
import io.ephemeral.broker.GatewayPeers;
import io.ephemeral.broker.ServiceInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/**
 * Known defects of the original {@code ipc-bro} gateway that {@link GatewayTest} does not already
 * pin down, one test per defect, named after its number in docs/regressions.md (gatewayBugN). Raw
 * frame peers on the broker's real socket.
 */
class GatewayRegressionTest {
  @RegisterExtension final GatewayPeers gateway = new GatewayPeers();
  private BrokerFixture f;

  private void start(UnaryOperator<Broker.Builder> options) throws IOException {
    f = gateway.start(options);
  }

  private FrameClient poolMember(String name, int index, int size) {
    FrameClient c = gateway.peer();
    c.sendJson(
        "{\"type\":\"REGISTER\",\"serviceName\":\""
            + name
            + "\",\"methods\":[],\"version\":\"1.0.0\","
            + "\"metadata\":{\"poolIndex\":"
            + index
            + ",\"poolSize\":"
            + size
            + "}}");
    assertThat(c.read().get("type").asText()).isEqualTo("REGISTER_ACK");
    return c;
  }

  private long later() {
    return f.clock.millis() + 60_000;
  }

  private void awaitConnections(String service, int n) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (f.broker.gateway().getService(service).map(ServiceInfo::connections).orElse(0) != n) {
      assertThat(System.nanoTime())
          .as(service + " reaching " + n + " connections")
          .isLessThan(deadline);
      Thread.onSpinWait();
    }
  }

  @Test
  void gatewayBug2_reassemblingALargeFrameIsLinear() {
    // The original concatenated its whole buffer for every chunk. A 2 MiB frame in 16-byte reads
    // costs a quadratic reassembly about 130 GB of copying; a linear one copies 2 MiB a few times.
    Connection c = new Connection(null);
    byte[] chunk = new byte[16];
    int total = 2 << 20;
    long start = System.nanoTime();
    for (int got = 0; got < total; got += chunk.length) {
      c.keepInput(chunk, 0, chunk.length);
      c.consumeInput(0); // nothing complete yet
    }
    assertThat(c.inLen).isEqualTo(total);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
  }

  @Test
  void gatewayBug3_aCalleeThatDoesNotReadIsNotBufferedWithoutBound() throws Exception {
    start(b -> b.maxFrameSize(1 << 20));
    gateway.service("slow"); // registered, then never reads again
    FrameClient a = gateway.service("a");
    String params = "\"" + "p".repeat(256 * 1024) + "\"";
    int sent = 120; // 30 MiB of calls for a reader that takes nothing
    for (int i = 0; i < sent; i++) {
      a.sendJson(call("c" + i, "a", "slow", "m", params, later(), 2));
    }
    a.sendJson(call("end", "a", "ghost", "m", "{}", later(), 2));
    int refused = 0;
    while (true) {
      JsonNode r = a.read();
      if (r.get("id").asText().equals("end")) {
        break;
      }
      assertThat(r.get("error").get("code").asText()).isEqualTo("INTERNAL_ERROR");
      assertThat(r.get("error").get("message").asText())
          .isEqualTo("Service 'slow' is not reading its calls");
      refused++;
    }
    int delivered = f.broker.gateway().getService("slow").orElseThrow().pendingCalls();
    assertThat(delivered + refused).isEqualTo(sent);
    // What is held for the slow reader is bounded (16 MiB backlog plus what the kernel buffers).
    assertThat(refused).isPositive();
    assertThat((long) delivered * 256 * 1024).isLessThanOrEqualTo(24L << 20);
  }

  @Test
  void gatewayBug9_deadPoolMembersLeaveTheRoundRobinAndThePoolOutlivesItsFirstMember()
      throws Exception {
    start(b -> b);
    FrameClient first = poolMember("pool", 0, 2);
    FrameClient second = poolMember("pool", 1, 2);
    FrameClient a = gateway.service("a");
    second.close();
    awaitConnections("pool", 1);
    for (int i = 0; i < 4; i++) { // the original lost every other call into the dead socket
      a.sendJson(call("c" + i, "a", "pool", "m", "{}", later(), 2));
      assertThat(first.read().get("id").asText()).isEqualTo("c" + i);
    }
    // The freed place can be taken again: the list does not only grow.
    FrameClient rejoined = poolMember("pool", 1, 2);
    awaitConnections("pool", 2);
    // Closing the first member does not drop the pooled service (the original removed it).
    first.close();
    awaitConnections("pool", 1);
    assertThat(f.broker.gateway().isServiceConnected("pool")).isTrue();
    a.sendJson(call("after", "a", "pool", "m", "{}", later(), 2));
    assertThat(rejoined.read().get("id").asText()).isEqualTo("after");
  }

  @Test
  void gatewayBug10_reRegisteringOnTheSameConnectionNeitherLeavesAStaleNameNorClosesTheService()
      throws Exception {
    start(b -> b);
    FrameClient svc = gateway.service("orders");
    svc.sendJson(register("renamed"));
    JsonNode refused = svc.read();
    assertThat(refused.get("type").asText()).isEqualTo("ERROR");
    assertThat(refused.get("error").get("message").asText())
        .contains("already registered as 'orders'");
    assertThat(f.broker.gateway().getConnectedServices()).containsExactly("orders");
    // The same name again re-announces the methods; the connection stays open and served.
    svc.sendJson(register("orders", "list", "get"));
    assertThat(svc.read().get("type").asText()).isEqualTo("REGISTER_ACK");
    assertThat(f.broker.gateway().getService("orders").orElseThrow().methods())
        .containsExactly("list", "get");
    FrameClient a = gateway.service("a");
    a.sendJson(call("r1", "a", "orders", "list", "{}", later(), 2));
    assertThat(svc.read().get("id").asText()).isEqualTo("r1");
  }

  @Test
  void gatewayBug11_registerAndCallFieldsAreValidated() throws Exception {
    start(b -> b);
    for (String bad :
        List.of(
            "{\"type\":\"REGISTER\",\"methods\":[]}",
            "{\"type\":\"REGISTER\",\"serviceName\":\"\"}",
            "{\"type\":\"REGISTER\",\"serviceName\":42}")) {
      FrameClient c = gateway.peer();
      c.sendJson(bad);
      JsonNode r = c.read();
      assertThat(r.get("type").asText()).as(bad).isEqualTo("ERROR");
      assertThat(r.get("error").get("code").asText()).as(bad).isEqualTo("INVALID_MESSAGE");
    }
    assertThat(f.broker.gateway().getConnectedServices()).isEmpty();
    // A method list that is not a list of names is not trusted (it is informational only).
    FrameClient odd = gateway.peer();
    odd.sendJson("{\"type\":\"REGISTER\",\"serviceName\":\"odd\",\"methods\":\"list\"}");
    assertThat(odd.read().get("type").asText()).isEqualTo("REGISTER_ACK");
    assertThat(f.broker.gateway().getService("odd").orElseThrow().methods()).isEmpty();
    // A CALL without a target is answered with the reason, not a TypeError text.
    odd.sendJson(
        "{\"type\":\"CALL\",\"id\":\"t\",\"from\":\"odd\",\"method\":\"m\",\"params\":{},"
            + "\"context\":{\"root\":\"r\",\"chain\":[],\"depth\":1,\"deadline\":"
            + later()
            + "}}");
    JsonNode noTarget = odd.read();
    assertThat(noTarget.get("id").asText()).isEqualTo("t");
    assertThat(noTarget.get("error").get("code").asText()).isEqualTo("INVALID_MESSAGE");
    assertThat(noTarget.get("error").get("message").asText()).contains("target service");
  }

  @Test
  void gatewayBug12_aBadFrameSplitAcrossReadsDoesNotDesynchroniseTheStream() throws Exception {
    start(b -> b);
    FrameClient b = gateway.service("b");
    FrameClient a = gateway.service("a");
    byte[] bad = "{\"type\":\"CALL\",not json at all}".getBytes(StandardCharsets.UTF_8);
    ByteBuffer frame = ByteBuffer.allocate(4 + bad.length).putInt(bad.length).put(bad);
    a.sendRaw(Arrays.copyOf(frame.array(), 10)); // the header and a few body bytes
    f.sync(); // let the broker read the first part on its own
    a.sendRaw(Arrays.copyOfRange(frame.array(), 10, frame.capacity()));
    a.sendJson(call("good", "a", "b", "m", "{}", later(), 2));
    assertThat(a.read().get("error").get("code").asText()).isEqualTo("DESERIALIZATION_FAILED");
    assertThat(b.read().get("id").asText()).isEqualTo("good");
  }

  @Test
  void gatewayBug14_startingOnThePathOfALiveGatewayLeavesItAlone(@TempDir Path dir)
      throws Exception {
    Path socket = dir.resolve("gw.sock");
    try (Gateway live =
            Gateway.builder().socketPath(socket).environment(Map.of()).shutdownHook(false).build();
        Gateway second =
            Gateway.builder()
                .socketPath(socket)
                .environment(Map.of())
                .shutdownHook(false)
                .build()) {
      live.start();
      assertThatThrownBy(second::start)
          .isInstanceOf(IOException.class)
          .hasMessageContaining("already running");
      assertThat(socket).exists();
      try (FrameClient c = new FrameClient(socket)) {
        c.sendJson(register("still-here"));
        assertThat(c.read().get("type").asText()).isEqualTo("REGISTER_ACK");
        assertThat(live.getConnectedServices()).containsExactly("still-here");
      }
    }
  }

  @Test
  void gatewayBug15_perMessageLogEventsAreBuiltOnlyWhenDebugging() throws Exception {
    for (boolean debug : new boolean[] {false, true}) {
      AtomicInteger logs = new AtomicInteger();
      start(
          b ->
              b.debug(debug)
                  .gatewayListener(
                      new GatewayListener() {
                        @Override
                        public void log(String message) {
                          logs.incrementAndGet();
                        }
                      }));
      FrameClient b = gateway.service("b");
      FrameClient a = gateway.service("a");
      a.sendJson(call("r1", "a", "b", "m", "{}", later(), 2));
      b.read();
      b.sendJson(response("r1", "b", "a", "1"));
      a.read();
      if (debug) {
        assertThat(logs.get()).as("with debug").isGreaterThanOrEqualTo(4);
      } else {
        assertThat(logs.get()).as("without debug").isZero();
      }
      gateway.close();
    }
  }

  /**
   * A RESPONSE that cannot be converted for its caller fails the call once: the caller gets
   * SERIALIZATION_FAILED at once, the method figures count one failed call (they counted two), and
   * the callee keeps its connection. The body nests deeper than any JSON peer may send; it used to
   * be converted recursively until the stack overflowed, which closed the callee.
   */
  @Test
  void anUnconvertibleResponseFailsTheCallOnceAndCountsOnce() throws Exception {
    start(b -> b);
    FrameClient callee = gateway.peer();
    callee.sendBody(
        mpMap("type", "REGISTER", "serviceName", "b", "methods", mpArray(), "version", "1.0.0"));
    assertThat(callee.read().get("type").asText()).isEqualTo("REGISTER_ACK");
    FrameClient a = gateway.service("a");
    a.sendJson(call("r1", "a", "b", "m", "{}", later(), 2));
    assertThat(callee.read().get("id").asText()).isEqualTo("r1");
    byte[] deep = new byte[100_001];
    Arrays.fill(deep, (byte) 0x91); // fixarray of one element, 100,000 times
    deep[deep.length - 1] = (byte) 0xc0;
    callee.sendBody(
        mpMap(
            "type",
            "RESPONSE",
            "id",
            "r1",
            "from",
            "b",
            "to",
            "a",
            "status",
            "success",
            "data",
            deep));
    JsonNode r = a.read();
    assertThat(r.get("id").asText()).isEqualTo("r1");
    assertThat(r.get("status").asText()).isEqualTo("error");
    assertThat(r.get("error").get("code").asText()).isEqualTo("SERIALIZATION_FAILED");
    JsonNode gateway =
        f.callJson("{\"action\":\"metrics\",\"format\":\"json\"}").get("metrics").get("gateway");
    assertThat(gateway).hasSize(1);
    assertThat(gateway.get(0).get("service").asText()).isEqualTo("b");
    assertThat(gateway.get(0).get("calls").asLong()).isEqualTo(1);
    assertThat(gateway.get(0).get("errors").asLong()).isEqualTo(1);
    a.sendJson(call("r2", "a", "b", "m", "{}", later(), 2));
    assertThat(callee.read().get("id").asText())
        .as("the callee is still connected")
        .isEqualTo("r2");
  }

  /**
   * A MessagePack map of string keys; values are strings or already encoded MessagePack (byte[]).
   */
  private static byte[] mpMap(Object... keysAndValues) throws IOException {
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      p.packMapHeader(keysAndValues.length / 2);
      for (int i = 0; i < keysAndValues.length; i += 2) {
        p.packString((String) keysAndValues[i]);
        Object v = keysAndValues[i + 1];
        if (v instanceof String) {
          p.packString((String) v);
        } else {
          p.addPayload((byte[]) v);
        }
      }
      return p.toByteArray();
    }
  }

  private static byte[] mpArray() {
    return new byte[] {(byte) 0x90};
  }
}
