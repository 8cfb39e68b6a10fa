package io.ephemeral.broker;

import static io.ephemeral.broker.FrameClient.call;
import static io.ephemeral.broker.FrameClient.response;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The call graph and the per-method figures record only what really happened between registered
 * services: refused CALLs, whoever sent them and whatever names they carry, leave no trace. Before,
 * every refused CALL added an edge named from the frame (25,000 edges after the callers left; CALLs
 * to 500 KB service names filled the heap).
 */
class GatewayCallGraphTest {
  @RegisterExtension final GatewayPeers g = new GatewayPeers();
  private BrokerFixture f;

  @BeforeEach
  void start() throws IOException {
    f = g.start(b -> b);
  }

  private FrameClient service(String name, String... methods) {
    return g.service(name, methods);
  }

  private JsonNode edges() {
    return f.callJson("{\"action\":\"services\"}").get("edges");
  }

  @Test
  void refusedCallsLeaveNoEdges() {
    long deadline = f.clock.millis() + 60_000;
    FrameClient stranger = g.peer();
    String longName = "x".repeat(100_000);
    for (int i = 0; i < 500; i++) {
      stranger.sendJson(call("s" + i, "from" + i, "to" + i, "m", "{}", deadline, 2));
    }
    for (int i = 0; i < 500; i++) {
      assertThat(stranger.read().get("error").get("code").asText()).isEqualTo("NOT_CONNECTED");
    }
    FrameClient a = service("a");
    for (int i = 0; i < 100; i++) {
      // One at a time: each refusal echoes the long name back.
      a.sendJson(call("a" + i, "a", "ghost-" + i + longName, "m", "{}", deadline, 2));
      a.sendJson(call("b" + i, "spoofed-" + i, "a", "m", "{}", deadline, 2));
      assertThat(a.read().get("status").asText()).isEqualTo("error");
      assertThat(a.read().get("status").asText()).isEqualTo("error");
    }
    assertThat(edges()).as("edges after 700 refused calls").isEmpty();
  }

  @Test
  void deliveredCallsAreRecordedOncePerPairOfServices() {
    FrameClient b = service("b", "work");
    FrameClient a = service("a");
    long deadline = f.clock.millis() + 60_000;
    for (int i = 0; i < 3; i++) {
      a.sendJson(call("c" + i, "a", "b", "work", "{}", deadline, 2));
      assertThat(b.read().get("id").asText()).isEqualTo("c" + i);
      b.sendJson(response("c" + i, "b", "a", "1"));
      assertThat(a.read().get("id").asText()).isEqualTo("c" + i);
    }
    JsonNode edges = edges();
    assertThat(edges).hasSize(1);
    assertThat(edges.get(0).get("from").asText()).isEqualTo("a");
    assertThat(edges.get(0).get("to").asText()).isEqualTo("b");
    assertThat(edges.get(0).get("calls").asInt()).isEqualTo(3);
  }

  @Test
  void methodFiguresAreKeptForAnnouncedMethodsOnly() {
    FrameClient b = service("b", "work");
    FrameClient a = service("a");
    long deadline = f.clock.millis() + 60_000;
    int invented = 2_000;
    a.sendJson(call("w", "a", "b", "work", "{}", deadline, 2));
    for (int i = 0; i < invented; i++) {
      a.sendJson(
          call("c" + i, "a", "b", "invented-" + i + "-" + "y".repeat(1_000), "{}", deadline, 2));
    }
    List<String> ids = new ArrayList<>();
    for (int i = 0; i <= invented; i++) {
      ids.add(b.read().get("id").asText());
    }
    for (String id : ids) {
      b.sendJson(response(id, "b", "a", "1"));
    }
    for (int i = 0; i <= invented; i++) {
      assertThat(a.read().get("status").asText()).isEqualTo("success");
    }
    JsonNode gateway =
        f.callJson("{\"action\":\"metrics\",\"format\":\"json\"}").get("metrics").get("gateway");
    List<String> methods = new ArrayList<>();
    gateway.forEach(m -> methods.add(m.get("service").asText() + "." + m.get("method").asText()));
    assertThat(methods).containsExactlyInAnyOrder("b.work", "b.(other)");
    long other = 0;
    for (JsonNode m : gateway) {
      if (m.get("method").asText().equals("(other)")) {
        other = m.get("calls").asLong();
      }
    }
    assertThat(other).isEqualTo(invented);
  }
}
