package io.ephemeral.broker.internal;

import static io.ephemeral.broker.FrameClient.call;
import static io.ephemeral.broker.FrameClient.register;
import static io.ephemeral.broker.FrameClient.response;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ephemeral.broker.BrokerFixture;
import io.ephemeral.broker.FrameClient;
import io.ephemeral.broker.GatewayPeers;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Anonymous callers and CANCEL frames, with raw frame peers. */
class GatewayCallersAndCancelTest {
  private static final String ANONYMOUS =
      "{\"type\":\"REGISTER\",\"anonymous\":true,\"methods\":[],\"version\":\"1.0.0\",\"metadata\":{}}";

  @RegisterExtension final GatewayPeers gateway = new GatewayPeers();
  private BrokerFixture f;

  @BeforeEach
  void start() throws Exception {
    f = gateway.start(b -> b.staleServiceTimeout(Duration.ofMinutes(5)));
  }

  private String anonymous(FrameClient c) {
    c.sendJson(ANONYMOUS);
    JsonNode ack = c.read();
    assertThat(ack.get("type").asText()).isEqualTo("REGISTER_ACK");
    return ack.get("caller").asText();
  }

  private long later() {
    return f.clock.millis() + 60_000;
  }

  @Test
  void anAnonymousCallerCallsUnderAPrivateIdentityAndIsNeitherListedNorCallable() {
    FrameClient b = gateway.service("b");
    FrameClient a1 = gateway.peer();
    FrameClient a2 = gateway.peer();
    String id1 = anonymous(a1);
    String id2 = anonymous(a2);
    assertThat(id1).startsWith("~anonymous-").isNotEqualTo(id2);

    a1.sendJson(call("c1", id1, "b", "m", "{}", later(), 2));
    assertThat(b.read().get("from").asText()).isEqualTo(id1);
    b.sendJson(response("c1", "b", id1, "\"hi\""));
    assertThat(a1.read().get("data").asText()).isEqualTo("hi");

    JsonNode services = f.callJson("{\"action\":\"services\"}");
    assertThat(services.get("services")).hasSize(1);
    assertThat(services.get("services").get(0).get("name").asText()).isEqualTo("b");
    assertThat(services.get("edges")).as("no call-graph node for anonymous callers").isEmpty();
    assertThat(f.broker.gateway().getConnectedServices()).containsExactly("b");

    b.sendJson(call("back", "b", id1, "m", "{}", later(), 2));
    assertThat(b.read().get("error").get("code").asText()).isEqualTo("SERVICE_NOT_FOUND");
    a2.sendJson(call("spoof", id1, "b", "m", "{}", later(), 2));
    assertThat(a2.read().get("error").get("code").asText())
        .as("each anonymous connection calls only as itself")
        .isEqualTo("INVALID_MESSAGE");
  }

  @Test
  void anonymousInMessagePackToo() {
    FrameClient c = gateway.peer();
    // msgpackr: {type: "REGISTER", anonymous: true}
    c.sendBody(HexFormat.of().parseHex("de0002a474797065a85245474953544552a9616e6f6e796d6f7573c3"));
    JsonNode ack = c.read();
    assertThat(ack.get("caller").asText()).startsWith("~anonymous-");
  }

  @Test
  void namesThatLookLikeAnonymousIdentitiesAreRefusedToServices() {
    FrameClient c = gateway.peer();
    c.sendJson(register("~anonymous-1"));
    JsonNode e = c.read();
    assertThat(e.get("type").asText()).isEqualTo("ERROR");
    assertThat(e.get("error").get("message").asText()).contains("reserved for anonymous callers");
    FrameClient d = gateway.service("d");
    d.sendJson(ANONYMOUS);
    assertThat(d.read().get("error").get("message").asText()).contains("already registered as 'd'");
  }

  @Test
  void aCancelEndsTheCallAndReachesTheCallee() {
    FrameClient b = gateway.service("b");
    FrameClient a = gateway.service("a");
    a.sendJson(call("c1", "a", "b", "m", "{}", later(), 2));
    b.read();

    a.sendJson("{\"type\":\"CANCEL\",\"id\":\"c1\",\"from\":\"a\",\"to\":\"b\"}");

    assertThat(b.read().toString())
        .isEqualTo("{\"type\":\"CANCEL\",\"id\":\"c1\",\"from\":\"a\",\"to\":\"b\"}");
    f.sync();
    assertThat(f.broker.gateway().getStatus().pendingCalls()).isZero();
    b.sendJson(response("c1", "b", "a", "\"late\"")); // dropped: no longer in flight
    a.sendJson(call("c2", "a", "b", "m", "{}", later(), 2));
    b.read();
    b.sendJson(response("c2", "b", "a", "\"next\""));
    assertThat(a.read().get("id").asText()).as("the late answer to c1 never came").isEqualTo("c2");
  }

  @Test
  void onlyTheCallingConnectionMayCancelItsCall() {
    FrameClient b = gateway.service("b");
    FrameClient a = gateway.service("a");
    FrameClient other = gateway.service("other");
    a.sendJson(call("c1", "a", "b", "m", "{}", later(), 2));
    b.read();

    other.sendJson("{\"type\":\"CANCEL\",\"id\":\"c1\",\"from\":\"a\",\"to\":\"b\"}");
    other.sendJson("{\"type\":\"CANCEL\",\"id\":\"nothing\",\"to\":\"nobody\"}");
    f.sync();

    assertThat(f.broker.gateway().getStatus().pendingCalls()).isEqualTo(1);
    b.sendJson(response("c1", "b", "a", "\"answer\""));
    assertThat(a.read().get("data").asText()).isEqualTo("answer");
  }

  @Test
  void theCalleeIsToldWhenTheGatewayFailsACallAtItsDeadline() {
    FrameClient b = gateway.service("b");
    FrameClient a = gateway.service("a");
    a.sendJson(call("slow", "a", "b", "m", "{}", f.clock.millis() + 1000, 2));
    b.read();
    f.clock.advance(Duration.ofMillis(1000 + GatewayRouter.DEADLINE_GRACE_MILLIS));
    assertThat(a.read().get("error").get("code").asText()).isEqualTo("DEADLINE_EXCEEDED");
    JsonNode cancel = b.read();
    assertThat(cancel.get("type").asText()).isEqualTo("CANCEL");
    assertThat(cancel.get("id").asText()).isEqualTo("slow");
  }

  @Test
  void aMessagePackCalleeGetsItsCancelInMessagePack() {
    FrameClient b = gateway.peer();
    // msgpackr: {type: "REGISTER", serviceName: "b"}
    b.sendBody(
        HexFormat.of().parseHex("de0002a474797065a85245474953544552ab736572766963654e616d65a162"));
    assertThat(b.read().get("type").asText()).isEqualTo("REGISTER_ACK");
    FrameClient a = gateway.service("a");
    a.sendJson(call("c1", "a", "b", "m", "{}", later(), 2));
    b.readBody();
    a.sendJson("{\"type\":\"CANCEL\",\"id\":\"c1\",\"from\":\"a\",\"to\":\"b\"}");
    JsonNode cancel = b.read();
    assertThat(b.lastBodyWasJson()).as("MessagePack, not JSON").isFalse();
    assertThat(cancel.toString())
        .isEqualTo("{\"type\":\"CANCEL\",\"id\":\"c1\",\"from\":\"a\",\"to\":\"b\"}");
  }

  @Test
  void withASecretAnAnonymousCallerProvesItWithTheProofOfTheEmptyName() throws Exception {
    try (BrokerFixture secret = new BrokerFixture(b -> b.secret("s3cret"));
        FrameClient without = new FrameClient(secret.socket);
        FrameClient with = new FrameClient(secret.socket)) {
      without.sendJson(ANONYMOUS);
      JsonNode refused = without.read();
      assertThat(refused.get("error").get("code").asText()).isEqualTo("AUTH_FAILED");
      String proof = io.ephemeral.protocol.Hmac.withSecret("s3cret").registrationProof("");
      with.sendJson("{\"type\":\"REGISTER\",\"anonymous\":true,\"auth\":\"" + proof + "\"}");
      assertThat(with.read().get("caller").asText()).startsWith("~anonymous-");
    }
  }
}
