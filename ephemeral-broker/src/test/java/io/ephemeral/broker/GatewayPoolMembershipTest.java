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

/**
 * A connection joins a pooled service only with a pool index nobody holds and, when the pool's
 * first member presented a pool key (or the broker has a secret), with the same credential. Before,
 * a second connection announcing an index already held was accepted, answered the service's calls
 * in flight with forged results and took a share of its later calls.
 */
class GatewayPoolMembershipTest {
  @RegisterExtension final GatewayPeers g = new GatewayPeers();
  private BrokerFixture f;

  static String poolRegister(String name, int index, int size, String extraMetadata) {
    return "{\"type\":\"REGISTER\",\"serviceName\":\""
        + name
        + "\",\"methods\":[\"m\"],\"version\":\"1.0.0\",\"metadata\":{\"poolIndex\":"
        + index
        + ",\"poolSize\":"
        + size
        + extraMetadata
        + "}}";
  }

  private FrameClient member(String registerFrame) {
    return g.registered(registerFrame);
  }

  private static void assertRefused(FrameClient c, String why) {
    JsonNode error = c.read();
    assertThat(error.get("type").asText()).isEqualTo("ERROR");
    assertThat(error.get("error").get("code").asText()).isEqualTo("CONNECTION_FAILED");
    assertThat(error.get("error").get("message").asText()).contains(why);
    assertThat(c.closedByPeer()).isTrue();
  }

  @Test
  void anIndexAlreadyHeldIsRefusedAndTheHolderKeepsItsCalls() throws IOException {
    f = g.start(b -> b);
    FrameClient p0 = member(poolRegister("pool", 0, 2, ""));
    FrameClient caller = member(register("caller"));
    caller.sendJson(call("c1", "caller", "pool", "m", "{}", f.clock.millis() + 60_000, 2));
    assertThat(p0.read().get("id").asText()).isEqualTo("c1");

    FrameClient hijacker = g.peer();
    hijacker.sendJson(poolRegister("pool", 0, 2, ""));
    assertRefused(hijacker, "pool index 0");
    assertThat(f.broker.gateway().getService("pool").orElseThrow().connections()).isEqualTo(1);

    // Every later call goes to the holder; it answers the call in flight itself.
    for (int i = 2; i <= 4; i++) {
      caller.sendJson(call("c" + i, "caller", "pool", "m", "{}", f.clock.millis() + 60_000, 2));
      assertThat(p0.read().get("id").asText()).isEqualTo("c" + i);
    }
    p0.sendJson(response("c1", "pool", "caller", "\"genuine\""));
    assertThat(caller.read().get("data").asText()).isEqualTo("genuine");
    // The free index 1 is still open to the pool's own second connection.
    member(poolRegister("pool", 1, 2, ""));
  }

  @Test
  void aPoolWithAKeyAdmitsOnlyConnectionsThatPresentIt() throws IOException {
    f = g.start(b -> b);
    String key = ",\"poolKey\":\"7f3a9c21e4b8d05f\"";
    member(poolRegister("keyed", 0, 3, key));
    FrameClient noKey = g.peer();
    noKey.sendJson(poolRegister("keyed", 1, 3, ""));
    assertRefused(noKey, "pool key");
    FrameClient wrongKey = g.peer();
    wrongKey.sendJson(poolRegister("keyed", 1, 3, ",\"poolKey\":\"0000000000000000\""));
    assertRefused(wrongKey, "pool key");
    member(poolRegister("keyed", 1, 3, key));
    member(poolRegister("keyed", 2, 3, key));
    assertThat(f.broker.gateway().getService("keyed").orElseThrow().connections()).isEqualTo(3);
  }

  @Test
  void withASecretEveryPoolMemberProvesItHoldsIt() throws IOException {
    String secret = "pool-secret";
    f = g.start(b -> b.secret(secret));
    String auth = ",\"auth\":\"" + Hmac.withSecret(secret).registrationProof("sp") + "\"";
    String m0 = poolRegister("sp", 0, 2, "");
    member(m0.substring(0, m0.length() - 1) + auth + "}");
    FrameClient unsigned = g.peer();
    unsigned.sendJson(poolRegister("sp", 1, 2, ""));
    JsonNode error = unsigned.read();
    assertThat(error.get("error").get("code").asText()).isEqualTo("AUTH_FAILED");
    String m1 = poolRegister("sp", 1, 2, "");
    member(m1.substring(0, m1.length() - 1) + auth + "}");
  }
}
