package io.ephemeral.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.ephemeral.protocol.Hmac;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * With a secret, every request must be signed; order: invalid_json, then auth_failed, then the
 * action.
 */
class HmacAuthTest extends WithBroker {
  private static final Hmac SIGNER = Hmac.withSecret("s3cret");

  @Override
  protected Broker.Builder options(Broker.Builder builder) {
    return builder.secret("s3cret");
  }

  private static String signed(String payload) {
    return new String(
        SIGNER.signRequest(payload.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
  }

  @Test
  void signedRequestsWorkForEveryAction() {
    assertThat(
            f.call(
                signed(
                    "{\"action\":\"set\",\"key\":\"k\",\"value\":{\"n\":1e21,\"s\":\"\u00e9\"},\"ttl\":60000}")))
        .isEqualTo("{\"ok\":true}");
    assertThat(f.call(signed("{\"action\":\"get\",\"key\":\"k\"}")))
        .startsWith("{\"ok\":true,\"value\":");
    for (String payload :
        List.of(
            "{\"action\":\"ping\"}",
            "{\"action\":\"list\"}",
            "{\"action\":\"stats\"}",
            "{\"action\":\"health\"}",
            "{\"action\":\"metrics\"}",
            "{\"action\":\"del\",\"key\":\"k\"}",
            "{\"action\":\"lease\",\"key\":\"p\",\"workerId\":\"w\",\"ttl\":1000}",
            "{\"action\":\"release\",\"workerId\":\"w\"}")) {
      assertThat(f.call(signed(payload))).as(payload).startsWith("{\"ok\":true");
    }
  }

  @Test
  void theHmacMemberMayStandAnywhere() {
    String hex = SIGNER.hexDigest("{\"action\":\"ping\"}".getBytes(StandardCharsets.UTF_8));
    assertThat(f.call("{\"hmac\":\"" + hex + "\",\"action\":\"ping\"}")).startsWith("{\"ok\":true");
    assertThat(f.call("{\"action\":\"ping\",\"hmac\":\"" + hex.toUpperCase() + "\"}"))
        .startsWith("{\"ok\":true");
  }

  @Test
  void unsignedWrongAndMalformedSignaturesFail() {
    String hex = SIGNER.hexDigest("{\"action\":\"ping\"}".getBytes(StandardCharsets.UTF_8));
    String wrongSecret =
        Hmac.withSecret("other")
            .hexDigest("{\"action\":\"ping\"}".getBytes(StandardCharsets.UTF_8));
    for (String line :
        List.of(
            "{\"action\":\"ping\"}",
            "{\"action\":\"ping\",\"hmac\":\"" + wrongSecret + "\"}",
            "{\"action\":\"ping\",\"hmac\":\"\"}",
            "{\"action\":\"ping\",\"hmac\":42}",
            "{\"action\":\"ping\",\"hmac\":null}",
            "{\"action\":\"ping\",\"hmac\":\"" + hex.substring(0, 63) + "\"}",
            "{\"action\":\"ping\",\"hmac\":\"" + hex.substring(0, 62) + "\"}",
            "{\"action\":\"ping\",\"hmac\":\"" + hex + "00\"}",
            "{\"action\":\"ping\",\"hmac\":\"zz" + hex + "\"}",
            "{\"action\":\"ping\",\"hmac\":\"\u00e9\u00e9\u00e9\"}",
            "{\"action\":\"pong\",\"hmac\":\"" + hex + "\"}")) {
      assertThat(f.call(line)).as(line).isEqualTo("{\"ok\":false,\"error\":\"auth_failed\"}");
    }
  }

  @Test
  void invalidJsonComesBeforeAuthAndAuthBeforeDispatch() {
    assertThat(f.call("{nope")).isEqualTo("{\"ok\":false,\"error\":\"invalid_json\"}");
    assertThat(f.call("{\"action\":\"frobnicate\"}"))
        .isEqualTo("{\"ok\":false,\"error\":\"auth_failed\"}");
    assertThat(f.call("null")).isEqualTo("{\"ok\":false,\"error\":\"auth_failed\"}");
    assertThat(f.call(signed("{\"action\":\"frobnicate\"}")))
        .isEqualTo("{\"ok\":false,\"error\":\"unknown_action\"}");
  }

  @Test
  void aBrokerWithoutSecretIgnoresHmac() throws Exception {
    try (BrokerFixture open = new BrokerFixture()) {
      assertThat(open.call("{\"action\":\"ping\",\"hmac\":\"garbage\"}"))
          .startsWith("{\"ok\":true");
    }
  }
}
