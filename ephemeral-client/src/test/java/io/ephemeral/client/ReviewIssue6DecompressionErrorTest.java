package io.ephemeral.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/**
 * Review issue #6: corrupt compressed data from the broker failed with an opaque error. Here every
 * kind of corruption is a ValueDecodingException that names the key and says what is wrong; a gzip
 * bomb is stopped at maxDecompressedBytes.
 */
class ReviewIssue6DecompressionErrorTest extends WithBrokerAndClient {

  /** Stores a value marked compressed the way a careless writer might. */
  private void storeCompressed(String key, String valueJson) throws IOException {
    try (RawWire raw = broker.raw()) {
      assertThat(
              raw.call(
                  "{\"action\":\"set\",\"key\":\""
                      + key
                      + "\",\"value\":"
                      + valueJson
                      + ",\"ttl\":60000,\"compressed\":true,\"beforeSize\":0,\"afterSize\":0}"))
          .isEqualTo("{\"ok\":true}");
    }
  }

  private static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    }
    return out.toByteArray();
  }

  private static String b64(byte[] data) {
    return "\"" + Base64.getEncoder().encodeToString(data) + "\"";
  }

  private void assertDecodingFails(String key, String... words) {
    for (ThrowingRead read :
        new ThrowingRead[] {() -> client.get(key, Object.class), () -> client.getRaw(key)}) {
      assertThatThrownBy(read::run)
          .isInstanceOfSatisfying(
              ValueDecodingException.class, e -> assertThat(e.key()).isEqualTo(key))
          .hasMessageContaining("key \"" + key + "\"")
          .hasMessageContainingAll(words);
    }
  }

  private interface ThrowingRead {
    void run() throws Exception;
  }

  @Test
  void invalidBase64() throws Exception {
    storeCompressed("bad-base64", "\"%%% this is not base64 %%%\"");
    assertDecodingFails("bad-base64", "not valid base64", "corrupt");
  }

  @Test
  void notGzip() throws Exception {
    storeCompressed("not-gzip", b64("plain text, not gzip".getBytes(StandardCharsets.UTF_8)));
    assertDecodingFails("not-gzip", "not valid gzip");
  }

  @Test
  void truncatedGzip() throws Exception {
    byte[] whole = gzip(("\"" + "abc".repeat(2_000) + "\"").getBytes(StandardCharsets.UTF_8));
    storeCompressed("truncated", b64(Arrays.copyOf(whole, whole.length / 2)));
    assertDecodingFails("truncated", "not valid gzip");
  }

  @Test
  void gzipOfSomethingThatIsNotJson() throws Exception {
    storeCompressed("not-json", b64(gzip("{not json".getBytes(StandardCharsets.UTF_8))));
    assertDecodingFails("not-json", "not-json");
  }

  @Test
  void compressedFlagOnANonString() throws Exception {
    storeCompressed("number", "42");
    assertDecodingFails("number", "not a base64 string");
  }

  @Test
  void gzipBombAboveTheConfiguredCap() throws Exception {
    byte[] json = ("\"" + " ".repeat(2 * 1024 * 1024) + "\"").getBytes(StandardCharsets.UTF_8);
    storeCompressed("bomb", b64(gzip(json)));
    try (BrokerClient capped = broker.client().maxDecompressedBytes(1024 * 1024).build()) {
      assertThatThrownBy(() -> capped.getRaw("bomb"))
          .isInstanceOfSatisfying(
              ValueDecodingException.class, e -> assertThat(e.key()).isEqualTo("bomb"))
          .hasMessageContaining("key \"bomb\"")
          .hasMessageContaining("maxDecompressedBytes (1048576 bytes)");
    }
    assertThat(client.getRaw("bomb")).as("fine under the default cap").hasSize(json.length);
  }

  @Test
  void gzipBombAboveTheDefaultCap() throws Exception {
    byte[] zeros = new byte[64 * 1024 * 1024 + 1];
    Arrays.fill(zeros, (byte) '0');
    storeCompressed("default-bomb", b64(gzip(zeros)));
    assertThatThrownBy(() -> client.get("default-bomb", Object.class))
        .isInstanceOf(ValueDecodingException.class)
        .hasMessageContaining("maxDecompressedBytes (67108864 bytes)");
  }

  @Test
  void exactlyTheCapIsAccepted() throws Exception {
    byte[] json = ("\"" + "y".repeat(998) + "\"").getBytes(StandardCharsets.UTF_8);
    storeCompressed("exact", b64(gzip(json)));
    try (BrokerClient capped = broker.client().maxDecompressedBytes(1000).build()) {
      assertThat(capped.get("exact", String.class)).hasSize(998);
    }
  }

  @Test
  void typeMismatchNamesTheKeyAndType() throws Exception {
    client.set("text", "not a number", java.time.Duration.ofMinutes(1));
    assertThatThrownBy(() -> client.get("text", Integer.class))
        .isInstanceOfSatisfying(
            ValueDecodingException.class, e -> assertThat(e.key()).isEqualTo("text"))
        .hasMessageContaining("key \"text\"")
        .hasMessageContaining("java.lang.Integer");
  }
}
