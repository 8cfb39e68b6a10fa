package io.ephemeral.protocol;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Checks JsJson and Hmac against vectors computed by Node (see make-hmac-vectors.mjs). */
class HmacVectorsTest {

  static List<HmacVector> vectors() {
    return HmacVector.load();
  }

  @Test
  void committedVectorsAreExactlyWhatNodeGenerates() throws Exception {
    byte[] live = NodeReference.run(NodeReference.VECTOR_SCRIPT);
    byte[] committed;
    try (InputStream in = getClass().getResourceAsStream(HmacVector.RESOURCE)) {
      committed = in.readAllBytes();
    }
    assertThat(new String(committed, UTF_8))
        .as("hmac-vectors.json must be regenerated with: node make-hmac-vectors.mjs")
        .isEqualTo(new String(live, UTF_8));
  }

  @Test
  void vectorsCoverAcceptedAndRejectedRequests() {
    List<HmacVector> all = vectors();
    assertThat(all).hasSizeGreaterThan(60);
    assertThat(all).filteredOn(HmacVector::accepted).hasSizeGreaterThan(40);
    assertThat(all).filteredOn(v -> !v.accepted()).hasSizeGreaterThan(10);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void canonicalFormWithoutHmacMatchesNode(HmacVector v) {
    byte[] request = Utf8.encode(v.request());
    Object tree = JsJson.parse(request, 0, request.length, JsJson.DEFAULT_MAX_DEPTH);
    ((JsObject) tree).remove("hmac");
    assertThat(new String(JsJson.serialize(tree), UTF_8)).isEqualTo(v.canonical());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void canonicalFormIsAFixedPoint(HmacVector v) {
    byte[] canonical = Utf8.encode(v.canonical());
    assertThat(JsJson.canonicalize(canonical)).isEqualTo(canonical);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void digestMatchesNode(HmacVector v) {
    assertThat(Hmac.withSecret(v.secret()).hexDigest(Utf8.encode(v.canonical())))
        .isEqualTo(v.hmac());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void verifyRequestDecidesLikeTheNodeBroker(HmacVector v) {
    byte[] request = Utf8.encode(v.request());
    assertThat(Hmac.withSecret(v.secret()).verifyRequest(request, 0, request.length))
        .isEqualTo(v.accepted());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void verifyRequestHonoursOffsetAndLength(HmacVector v) {
    byte[] request = Utf8.encode(v.request());
    byte[] framed = new byte[request.length + 7];
    Arrays.fill(framed, (byte) '}');
    System.arraycopy(request, 0, framed, 3, request.length);
    assertThat(Hmac.withSecret(v.secret()).verifyRequest(framed, 3, request.length))
        .isEqualTo(v.accepted());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void signRequestAppendsTheDigestAfterTheCanonicalPayload(HmacVector v) {
    Hmac hmac = Hmac.withSecret(v.secret());
    byte[] canonical = Utf8.encode(v.canonical());
    String line = new String(hmac.signRequest(canonical), UTF_8);

    String expected =
        v.canonical().equals("{}")
            ? "{\"hmac\":\"" + v.hmac() + "\"}"
            : v.canonical().substring(0, v.canonical().length() - 1)
                + ",\"hmac\":\""
                + v.hmac()
                + "\"}";
    assertThat(line).isEqualTo(expected);
    byte[] bytes = line.getBytes(UTF_8);
    assertThat(hmac.verifyRequest(bytes, 0, bytes.length)).isTrue();
  }

  @Test
  void signedLinesAreAcceptedByTheNodeBroker() throws Exception {
    List<String> secrets = new ArrayList<>();
    List<byte[]> lines = new ArrayList<>();
    for (HmacVector v : vectors()) {
      Hmac hmac = Hmac.withSecret(v.secret());
      secrets.add(v.secret());
      lines.add(hmac.signRequest(Utf8.encode(v.canonical())));
      // The same payload sent in its raw, non-canonical form must be accepted too.
      byte[] rawPayload = withoutHmacText(v);
      if (rawPayload != null) {
        secrets.add(v.secret());
        lines.add(hmac.signRequest(rawPayload));
      }
    }
    List<Boolean> accepted = NodeReference.verify(secrets, lines);
    assertThat(accepted).hasSize(lines.size()).containsOnly(true);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void javaClientOutputIsNodeClientOutputForClientShapes(HmacVector v) throws IOException {
    if (!v.name().startsWith("client: ")) {
      return;
    }
    // The Node client's line is JSON.stringify({...payload, hmac}): byte-identical to ours.
    byte[] line = Hmac.withSecret(v.secret()).signRequest(Utf8.encode(v.canonical()));
    assertThat(new String(line, UTF_8)).isEqualTo(v.request());
  }

  /** The request text of a hand-written vector with a string hmac member removed, or null. */
  private static byte[] withoutHmacText(HmacVector v) {
    String text = v.request().replaceFirst(",?\\s*\"hmac\"\\s*:\\s*\"[^\"]*\"\\s*,?", ",");
    text = text.replace("{,", "{").replace(",}", "}").replace(", }", " }");
    byte[] bytes = Utf8.encode(text);
    try {
      Object tree = JsJson.parse(bytes, 0, bytes.length, JsJson.DEFAULT_MAX_DEPTH);
      if (!(tree instanceof JsObject object) || object.has("hmac")) {
        return null;
      }
      return Arrays.equals(JsJson.serialize(tree), Utf8.encode(v.canonical())) ? bytes : null;
    } catch (JsJsonException e) {
      return null;
    }
  }
}
