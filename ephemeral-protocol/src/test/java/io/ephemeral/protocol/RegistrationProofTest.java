package io.ephemeral.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The gateway's registration proof is what a Node process computes with {@code createHmac('sha256',
 * secret).update(JSON.stringify({type: 'REGISTER', serviceName}))}, and it verifies only for its
 * own name and secret.
 */
class RegistrationProofTest {
  private static final List<String> NAMES =
      List.of("orders", "quote\"and\\backslash", "ünïcödé-服务-😀", "tab\tnewline\n", "lone\ud800");

  @Test
  void theProofIsWhatNodeComputes() throws Exception {
    String secret = "s3cr€t";
    List<String> args = new ArrayList<>(List.of(secret));
    for (String name : NAMES) {
      StringBuilder quoted = new StringBuilder();
      JsJson.quote(name, quoted);
      args.add(quoted.toString());
    }
    String out =
        new String(
            NodeReference.run(
                NodeReference.NODE_DIR.resolve("registration-proof.mjs"),
                args.toArray(new String[0])),
            StandardCharsets.UTF_8);
    List<String> expected = out.lines().toList();
    Hmac hmac = Hmac.withSecret(secret);
    for (int i = 0; i < NAMES.size(); i++) {
      assertThat(hmac.registrationProof(NAMES.get(i))).as(NAMES.get(i)).isEqualTo(expected.get(i));
    }
  }

  @Test
  void aProofVerifiesOnlyForItsNameAndSecret() {
    Hmac hmac = Hmac.withSecret("secret");
    String proof = hmac.registrationProof("svc");
    assertThat(hmac.verifyRegistrationProof("svc", proof)).isTrue();
    assertThat(hmac.verifyRegistrationProof("svc", proof.toUpperCase())).isTrue();
    assertThat(hmac.verifyRegistrationProof("svc2", proof)).isFalse();
    assertThat(Hmac.withSecret("other").verifyRegistrationProof("svc", proof)).isFalse();
    assertThat(hmac.verifyRegistrationProof("svc", proof.substring(1))).isFalse();
    assertThat(hmac.verifyRegistrationProof("svc", proof + "0")).isFalse();
    assertThat(hmac.verifyRegistrationProof("svc", proof.substring(0, 62) + "zz")).isFalse();
    assertThat(hmac.verifyRegistrationProof("svc", null)).isFalse();
    assertThat(hmac.verifyRegistrationProof(null, proof)).isFalse();
  }
}
