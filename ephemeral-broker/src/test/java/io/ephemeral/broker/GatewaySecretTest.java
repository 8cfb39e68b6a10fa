package io.ephemeral.broker;

import static io.ephemeral.broker.FrameClient.call;
import static io.ephemeral.broker.FrameClient.register;
import static io.ephemeral.broker.FrameClient.response;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.ephemeral.protocol.Hmac;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/**
 * With a secret, the gateway serves only connections that prove they hold it: a REGISTER must carry
 * {@code auth}, the HMAC of its service name. Before, a process without the secret could register,
 * take free names, call services and read their answers.
 */
class GatewaySecretTest {
  static final String SECRET = "gateway-secret";

  @RegisterExtension final GatewayPeers g = new GatewayPeers();
  private BrokerFixture f;

  static String signedRegister(String secret, String name, String... methods) {
    String plain = register(name, methods);
    String proof = Hmac.withSecret(secret).registrationProof(name);
    return plain.substring(0, plain.length() - 1) + ",\"auth\":\"" + proof + "\"}";
  }

  private FrameClient signedService(String name) {
    return g.registered(signedRegister(SECRET, name, "m"));
  }

  private void assertRefused(FrameClient c, String name) {
    JsonNode error = c.read();
    assertThat(error.get("type").asText()).isEqualTo("ERROR");
    assertThat(error.get("error").get("code").asText()).isEqualTo("AUTH_FAILED");
    assertThat(error.get("error").get("message").asText()).contains("'" + name + "'", "secret");
    assertThat(c.closedByPeer()).as("refused connection closed").isTrue();
    assertThat(f.broker.gateway().isServiceConnected(name)).isFalse();
  }

  @Test
  void withoutTheSecretAProcessCanNeitherRegisterNorTakeAFreeName() throws IOException {
    f = g.start(b -> b.secret(SECRET));
    FrameClient unsigned = g.peer();
    unsigned.sendJson(register("svc", "m"));
    assertRefused(unsigned, "svc");

    FrameClient wrongSecret = g.peer();
    wrongSecret.sendJson(signedRegister("another-secret", "svc", "m"));
    assertRefused(wrongSecret, "svc");

    // A proof is for one name: a stolen proof of "other" does not register "svc".
    FrameClient otherName = g.peer();
    String proofForOther = Hmac.withSecret(SECRET).registrationProof("other");
    String plain = register("svc", "m");
    otherName.sendJson(
        plain.substring(0, plain.length() - 1) + ",\"auth\":\"" + proofForOther + "\"}");
    assertRefused(otherName, "svc");

    // The name stayed free for its rightful owner.
    signedService("svc");
    assertThat(f.broker.gateway().isServiceConnected("svc")).isTrue();
  }

  @Test
  void withoutTheSecretAProcessCannotCallAServiceNorReadItsAnswers() throws IOException {
    f = g.start(b -> b.secret(SECRET));
    FrameClient svc = signedService("svc");
    FrameClient outsider = g.peer();
    outsider.sendJson(register("spy"));
    assertRefused(outsider, "spy");
    FrameClient caller = g.peer();
    caller.sendJson(call("c1", "spy", "svc", "m", "{}", f.clock.millis() + 60_000, 2));
    JsonNode refusal = caller.read();
    assertThat(refusal.get("type").asText()).isEqualTo("RESPONSE");
    assertThat(refusal.get("error").get("code").asText()).isEqualTo("NOT_CONNECTED");
    // The service never saw the call: the next frame it gets is a signed caller's.
    FrameClient friend = signedService("friend");
    friend.sendJson(call("c2", "friend", "svc", "m", "{}", f.clock.millis() + 60_000, 2));
    assertThat(svc.read().get("id").asText()).isEqualTo("c2");
    svc.sendJson(response("c2", "svc", "friend", "42"));
    assertThat(friend.read().get("data").asInt()).isEqualTo(42);
  }

  @Test
  void aSignedMessagePackRegistrationIsAccepted() throws IOException {
    f = g.start(b -> b.secret(SECRET));
    FrameClient c = g.peer();
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      p.packMapHeader(5);
      p.packString("type").packString("REGISTER");
      p.packString("serviceName").packString("mp");
      p.packString("methods").packArrayHeader(0);
      p.packString("metadata").packMapHeader(0);
      p.packString("auth").packString(Hmac.withSecret(SECRET).registrationProof("mp"));
      c.sendBody(p.toByteArray());
    }
    assertThat(c.read().get("type").asText()).isEqualTo("REGISTER_ACK");
    assertThat(f.broker.gateway().isServiceConnected("mp")).isTrue();
  }

  @Test
  void anOperatorMayLetNamedServicesRegisterWithoutASignature() throws IOException {
    // Node ipc-bro services cannot sign; the operator names those that may register unsigned.
    f = g.start(b -> b.secret(SECRET).allowUnsignedServices("node-*", "legacy"));
    FrameClient node = g.peer();
    node.sendJson(register("node-orders", "m"));
    assertThat(node.read().get("type").asText()).isEqualTo("REGISTER_ACK");
    FrameClient legacy = g.peer();
    legacy.sendJson(register("legacy", "m"));
    assertThat(legacy.read().get("type").asText()).isEqualTo("REGISTER_ACK");
    FrameClient other = g.peer();
    other.sendJson(register("payments", "m"));
    assertRefused(other, "payments");
  }

  @Test
  void withoutASecretRegistrationNeedsNoProof() throws IOException {
    f = g.start(b -> b);
    FrameClient c = g.peer();
    c.sendJson(register("open", "m"));
    assertThat(c.read().get("type").asText()).isEqualTo("REGISTER_ACK");
  }
}
