package io.ephemeral.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The replay-protection members: added inside the signed payload, read back only when it verifies.
 */
class HmacReplayFieldsTest {
  private static final Hmac HMAC = Hmac.withSecret("k");

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void fieldsAreAppendedAsTheLastMembers() {
    assertThat(
            new String(
                Hmac.withReplayFields(utf8("{\"action\":\"ping\"}"), 1700000000123L, "abc"),
                StandardCharsets.UTF_8))
        .isEqualTo("{\"action\":\"ping\",\"ts\":1700000000123,\"nonce\":\"abc\"}");
    assertThat(new String(Hmac.withReplayFields(utf8(" { } \n"), 5, "n"), StandardCharsets.UTF_8))
        .isEqualTo(" { \"ts\":5,\"nonce\":\"n\"}");
    assertThatThrownBy(() -> Hmac.withReplayFields(utf8("[1]"), 5, "n"))
        .hasMessageContaining("JSON object");
    assertThatThrownBy(() -> Hmac.withReplayFields(utf8("{}"), 5, ""))
        .hasMessageContaining("empty");
    assertThatThrownBy(() -> Hmac.withReplayFields(utf8("{}"), 5, "a\"b"))
        .hasMessageContaining("printable ASCII");
  }

  @Test
  void verifySignedReadsTheSignedFieldsOfAValidRequestOnly() {
    byte[] line =
        HMAC.signRequest(
            Hmac.withReplayFields(
                utf8("{\"action\":\"get\",\"key\":\"k\"}"), 1700000000123L, "n1"));
    Hmac.Signed s = HMAC.verifySigned(line, 0, line.length);
    assertThat(s).isNotNull();
    assertThat(s.timestamp()).isEqualTo(1700000000123.0);
    assertThat(s.nonce()).isEqualTo("n1");
    assertThat(HMAC.verifyRequest(line, 0, line.length)).isTrue();

    byte[] plain = HMAC.signRequest(utf8("{\"action\":\"ping\",\"ts\":true,\"nonce\":3}"));
    Hmac.Signed without = HMAC.verifySigned(plain, 0, plain.length);
    assertThat(without.timestamp()).isNaN();
    assertThat(without.nonce()).isNull();

    byte[] forged = Hmac.withSecret("other").signRequest(Hmac.withReplayFields(utf8("{}"), 1, "n"));
    assertThat(HMAC.verifySigned(forged, 0, forged.length)).isNull();
    assertThat(HMAC.verifySigned(null, 0, 0)).isNull();
  }
}
