package io.ephemeral.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Compression as the Node client does it, checked on what the broker stores. */
class CompressionTest {
  private static final Duration MINUTE = Duration.ofMinutes(1);
  private static final ObjectMapper JSON = new ObjectMapper();

  private BrokerFixture broker;

  @BeforeEach
  void start() throws Exception {
    broker = BrokerFixture.start();
  }

  @AfterEach
  void stop() {
    broker.close();
  }

  /** The stored entry as the broker returns it to a raw get. */
  private JsonNode stored(String key) throws IOException {
    try (RawWire raw = broker.raw()) {
      return JSON.readTree(
          raw.call("{\"action\":\"get\",\"key\":" + JSON.writeValueAsString(key) + "}"));
    }
  }

  private static String gunzipBase64(String b64) throws IOException {
    try (GZIPInputStream in =
        new GZIPInputStream(new ByteArrayInputStream(Base64.getDecoder().decode(b64)))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** A string whose JSON text (with quotes) is exactly {@code jsonLength} characters. */
  private static String stringWithJsonLength(int jsonLength) {
    return "x".repeat(jsonLength - 2);
  }

  @Test
  void valuesAtOrAboveTheThresholdAreStoredCompressed() throws Exception {
    try (BrokerClient client = broker.client().build()) {
      String big = stringWithJsonLength(1024);
      client.set("big", big, MINUTE);
      JsonNode entry = stored("big");
      assertThat(entry.get("compressed").asBoolean()).isTrue();
      assertThat(gunzipBase64(entry.get("value").asText())).isEqualTo("\"" + big + "\"");
      assertThat(client.get("big", String.class)).isEqualTo(big);
      assertThat(client.getRaw("big")).isEqualTo("\"" + big + "\"");
    }
  }

  @Test
  void valuesBelowTheThresholdAreStoredPlain() throws Exception {
    try (BrokerClient client = broker.client().build()) {
      String small = stringWithJsonLength(1023);
      client.set("small", small, MINUTE);
      JsonNode entry = stored("small");
      assertThat(entry.get("compressed").asBoolean()).isFalse();
      assertThat(entry.get("value").asText()).isEqualTo(small);
    }
  }

  @Test
  void thresholdCountsUtf16UnitsLikeJavaScript() throws Exception {
    try (BrokerClient client = broker.client().compressionThreshold(12).build()) {
      // JSON "😀😀😀😀😀" is 2 + 5*2 = 12 UTF-16 units (but 22 UTF-8 bytes).
      String emoji = "\uD83D\uDE00".repeat(5);
      client.set("emoji", emoji, MINUTE);
      assertThat(stored("emoji").get("compressed").asBoolean()).isTrue();
      String fewer = "\uD83D\uDE00".repeat(4) + "x"; // 11 units
      client.set("fewer", fewer, MINUTE);
      assertThat(stored("fewer").get("compressed").asBoolean()).isFalse();
      assertThat(client.get("emoji", String.class)).isEqualTo(emoji);
    }
  }

  @Test
  void disabledCompressionStoresEverythingPlain() throws Exception {
    try (BrokerClient client = broker.client().compression(false).build()) {
      String big = "y".repeat(100_000);
      client.set("big", big, MINUTE);
      assertThat(stored("big").get("compressed").asBoolean()).isFalse();
      assertThat(client.get("big", String.class)).isEqualTo(big);
    }
  }

  @Test
  void customThreshold() throws Exception {
    try (BrokerClient client = broker.client().compressionThreshold(10).build()) {
      client.set("tiny", List.of(1, 2, 3, 4, 5), MINUTE); // [1,2,3,4,5] = 11 chars
      assertThat(stored("tiny").get("compressed").asBoolean()).isTrue();
      assertThat(client.get("tiny", int[].class)).containsExactly(1, 2, 3, 4, 5);
    }
  }

  @Test
  void compressedObjectsReadBackTypedAndRaw() throws Exception {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      rows.add(Map.of("id", i, "name", "row-" + i, "tags", List.of("a", "b")));
    }
    try (BrokerClient writer = broker.client().build();
        BrokerClient reader = broker.client().compression(false).build()) {
      writer.set("rows", rows, MINUTE);
      JsonNode entry = stored("rows");
      assertThat(entry.get("compressed").asBoolean()).isTrue();
      assertThat(entry.get("value").asText().length())
          .as("repetitive data compresses well")
          .isLessThan(JSON.writeValueAsString(rows).length() / 4);
      // Decompression does not depend on the reader's compression setting.
      List<?> back = reader.get("rows", List.class);
      assertThat(back).hasSize(500);
      assertThat(JSON.readTree(reader.getRaw("rows"))).isEqualTo(JSON.valueToTree(rows));
    }
  }

  @Test
  void compressionMetricsGetTheNodeSizes() throws Exception {
    try (BrokerClient client = broker.client().build()) {
      String big = stringWithJsonLength(5000);
      client.set("big", big, MINUTE);
      String b64 = stored("big").get("value").asText();
      String metrics = client.metrics();
      assertThat(metrics)
          .contains("ephemeral_broker_compression_bytes_total{stage=\"before\"} 5000")
          .contains("ephemeral_broker_compression_bytes_total{stage=\"after\"} " + b64.length());
    }
  }

  @Test
  void highlyCompressibleValueAboveTheValueLimitIsAccepted() throws Exception {
    try (BrokerFixture small = BrokerFixture.start(b -> b.maxValueSize(10_000));
        BrokerClient client = small.client().build()) {
      String big = "z".repeat(200_000);
      client.set("big", big, MINUTE);
      assertThat(client.get("big", String.class)).isEqualTo(big);
    }
  }
}
