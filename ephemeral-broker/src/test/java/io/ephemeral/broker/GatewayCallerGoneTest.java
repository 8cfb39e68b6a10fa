package io.ephemeral.broker;

import static io.ephemeral.broker.FrameClient.call;
import static io.ephemeral.broker.FrameClient.register;
import static io.ephemeral.broker.FrameClient.response;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The calls of a caller that goes away are cancelled at once, and their late answers are dropped:
 * never delivered to whoever registers the caller's name next. (Before, 1,000 calls of a vanished
 * caller stayed pending at the callee until their deadlines, and the answers went to the next
 * process named like the caller.)
 */
class GatewayCallerGoneTest {
  private static final int CALLS = 1_000;

  @RegisterExtension final GatewayPeers g = new GatewayPeers();
  private BrokerFixture f;

  @BeforeEach
  void start() throws IOException {
    f = g.start(b -> b);
  }

  private FrameClient service(String registerFrame) {
    return g.registered(registerFrame);
  }

  private int pendingAt(String service) {
    return f.broker.gateway().getService(service).orElseThrow().pendingCalls();
  }

  @Test
  void aClosedCallersCallsAreCancelledAndNeverReachTheNextOwnerOfItsName() {
    FrameClient callee = service(register("callee", "m"));
    FrameClient caller = service(register("caller"));
    long deadline = f.clock.millis() + 60_000;
    for (int i = 0; i < CALLS; i++) {
      caller.sendJson(call("c" + i, "caller", "callee", "m", "{}", deadline, 2));
    }
    for (int i = 0; i < CALLS; i++) {
      assertThat(callee.read().get("id").asText()).isEqualTo("c" + i);
    }
    assertThat(pendingAt("callee")).isEqualTo(CALLS);

    caller.close();
    Awaits.until("the closed caller's calls to be cancelled", () -> pendingAt("callee") == 0);
    // ... and the callee is told, call by call, that nobody waits for the answers any more.
    java.util.Set<String> cancelled = new java.util.HashSet<>();
    for (int i = 0; i < CALLS; i++) {
      com.fasterxml.jackson.databind.JsonNode cancel = callee.read();
      assertThat(cancel.get("type").asText()).isEqualTo("CANCEL");
      assertThat(cancel.get("from").asText()).isEqualTo("caller");
      cancelled.add(cancel.get("id").asText());
    }
    assertThat(cancelled).hasSize(CALLS).contains("c0", "c" + (CALLS - 1));

    FrameClient successor = service(register("caller"));
    for (int i = 0; i < CALLS; i++) {
      callee.sendJson(response("c" + i, "callee", "caller", "\"late\""));
    }
    // A round trip after all the late answers: the successor's next frame is its own answer.
    successor.sendJson(call("probe", "caller", "callee", "m", "{}", deadline, 2));
    assertThat(callee.read().get("id").asText()).isEqualTo("probe");
    callee.sendJson(response("probe", "callee", "caller", "\"mine\""));
    assertThat(successor.read().get("id").asText()).isEqualTo("probe");
    assertThat(pendingAt("callee")).isZero();
  }

  @Test
  void aPooledCallerStillGetsTheAnswerOnAnotherOfItsConnections() {
    // A pool is one process on several sockets (GATEWAY-FRAMES.md §10): its calls outlive one
    // member, and the answer goes to a member that is still connected.
    FrameClient callee = service(register("callee", "m"));
    FrameClient a0 = service(GatewayPoolMembershipTest.poolRegister("pool", 0, 2, ""));
    FrameClient a1 = service(GatewayPoolMembershipTest.poolRegister("pool", 1, 2, ""));
    a0.sendJson(call("p1", "pool", "callee", "m", "{}", f.clock.millis() + 60_000, 2));
    assertThat(callee.read().get("id").asText()).isEqualTo("p1");
    a0.close();
    Awaits.until(
        "the pool to lose a member",
        () -> f.broker.gateway().getService("pool").orElseThrow().connections() == 1);
    assertThat(pendingAt("callee")).isEqualTo(1);
    callee.sendJson(response("p1", "callee", "pool", "7"));
    assertThat(a1.read().get("data").asInt()).isEqualTo(7);
  }
}
