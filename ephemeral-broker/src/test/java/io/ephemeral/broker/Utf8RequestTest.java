package io.ephemeral.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.ephemeral.protocol.Hmac;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A request line that is not well-formed UTF-8 is {@code invalid_json} before anything reads it:
 * neither stored (and later returned raw, making a {@code get} or {@code list} answer ill-formed)
 * nor verified (the verifier decodes ill-formed bytes to U+FFFD, so one signature would cover two
 * different keys).
 */
class Utf8RequestTest {

  /** Ill-formed sequences by kind, each placed inside a JSON string. */
  static final List<byte[]> ILL_FORMED =
      List.of(
          bytes(0xC0, 0x80), // overlong NUL
          bytes(0xC1, 0xBF), // overlong 2-byte form of U+007F
          bytes(0xE0, 0x80, 0x80), // overlong 3-byte form
          bytes(0xF0, 0x80, 0x80, 0x80), // overlong 4-byte form
          bytes(0xED, 0xA0, 0x80), // a UTF-16 surrogate (U+D800) encoded as UTF-8
          bytes(0xF4, 0x90, 0x80, 0x80), // beyond U+10FFFF
          bytes(0xF5, 0x80, 0x80, 0x80), // F5..FF never start a sequence
          bytes(0xF8, 0x88, 0x80, 0x80, 0x80),
          bytes(0x80), // a continuation byte alone
          bytes(0xE2, 0x82)); // a sequence cut short by the closing quote

  @Test
  void illFormedUtf8InAValueOrKeyIsInvalidJsonAndNothingIsStored() throws IOException {
    try (BrokerFixture f = new BrokerFixture()) {
      WireClient c = f.client();
      for (byte[] bad : ILL_FORMED) {
        String hex = hex(bad);
        byte[] inValue =
            line("{\"action\":\"set\",\"key\":\"v\",\"value\":\"a", bad, "b\",\"ttl\":60000}");
        c.send(inValue);
        assertThat(c.readLine()).as("value holding %s", hex).startsWith(INVALID_JSON);
        byte[] inKey =
            line("{\"action\":\"set\",\"key\":\"k", bad, "\",\"value\":1,\"ttl\":60000}");
        c.send(inKey);
        assertThat(c.readLine()).as("key holding %s", hex).startsWith(INVALID_JSON);
      }
      assertThat(c.call("{\"action\":\"stats\"}")).contains("\"items\":0");
      assertThat(c.call("{\"action\":\"list\"}")).startsWith("{\"ok\":true,\"items\":{}");
    }
  }

  @Test
  void wellFormedMultiByteTextIsStoredAndReturnedByteForByte() throws IOException {
    try (BrokerFixture f = new BrokerFixture()) {
      WireClient c = f.client();
      // 2, 3 and 4 byte sequences at the edges of their ranges: U+0080, U+07FF, U+0800, U+FFFD,
      // U+10000, U+10FFFF; and U+E000, just after the surrogates.
      String text = "\u0080\u07ff\u0800\ufffd\ud800\udc00\udbff\udfff\ue000é€😀";
      assertThat(
              c.call(
                  "{\"action\":\"set\",\"key\":\"ключ\",\"value\":\"" + text + "\",\"ttl\":60000}"))
          .startsWith("{\"ok\":true");
      assertThat(c.call("{\"action\":\"get\",\"key\":\"ключ\"}"))
          .isEqualTo("{\"ok\":true,\"value\":\"" + text + "\",\"compressed\":false}");
      assertThat(c.call("{\"action\":\"list\"}")).contains("\"ключ\":{");
    }
  }

  @Test
  void oneSignatureNoLongerCoversAnIllFormedKeyAndItsReplacementCharacters() throws IOException {
    String secret = "utf8-secret";
    try (BrokerFixture f = new BrokerFixture(b -> b.secret(secret))) {
      WireClient c = f.client();
      // Signed for the key "k\uFFFD\uFFFD" (well-formed: EF BF BD twice). The verifier decodes C0
      // 80
      // to the same two U+FFFD, so the same signature verified a line whose key is the raw bytes
      // 6B C0 80: two different keys written with one signature.
      byte[] signed =
          Hmac.withSecret(secret)
              .signRequest(
                  "{\"action\":\"set\",\"key\":\"k\ufffd\ufffd\",\"value\":1,\"ttl\":60000}"
                      .getBytes(StandardCharsets.UTF_8));
      String signedLine = new String(signed, StandardCharsets.UTF_8);
      int keyAt = signedLine.indexOf("k\ufffd\ufffd");
      byte[] illFormed =
          line(
              signedLine.substring(0, keyAt + 1),
              bytes(0xC0, 0x80),
              signedLine.substring(keyAt + 3));
      c.send(illFormed);
      assertThat(c.readLine()).startsWith(INVALID_JSON);
      c.send(line(signedLine, new byte[0], ""));
      assertThat(c.readLine()).startsWith("{\"ok\":true");
      assertThat(c.call(new String(signGet(secret, "k\ufffd\ufffd"), StandardCharsets.UTF_8)))
          .startsWith("{\"ok\":true,\"value\":1");
      assertThat(
              c.call(
                  new String(
                      Hmac.withSecret(secret)
                          .signRequest("{\"action\":\"stats\"}".getBytes(StandardCharsets.UTF_8)),
                      StandardCharsets.UTF_8)))
          .as("only the well-formed key was written")
          .contains("\"items\":1");
    }
  }

  private static final String INVALID_JSON = "{\"ok\":false,\"error\":\"invalid_json\"";

  private static byte[] signGet(String secret, String key) {
    return Hmac.withSecret(secret)
        .signRequest(
            ("{\"action\":\"get\",\"key\":\"" + key + "\"}").getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] line(String before, byte[] middle, String after) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(before.getBytes(StandardCharsets.UTF_8));
    out.writeBytes(middle);
    out.writeBytes(after.getBytes(StandardCharsets.UTF_8));
    out.write('\n');
    return out.toByteArray();
  }

  private static byte[] bytes(int... values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      b[i] = (byte) values[i];
    }
    return b;
  }

  private static String hex(byte[] b) {
    StringBuilder s = new StringBuilder();
    for (byte x : b) {
      s.append(String.format("%02X ", x & 0xFF));
    }
    return s.toString().trim();
  }
}
