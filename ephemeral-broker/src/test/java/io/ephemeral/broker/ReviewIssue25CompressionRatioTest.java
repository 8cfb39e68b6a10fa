package io.ephemeral.broker;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Review issue #25: the compression ratio divided by a byte count that can be zero. The ratio is a
 * finite number in every case: 0 while nothing (or only empty values) was compressed, and never NaN
 * or Infinity, whatever sizes clients report. See also ReviewIssue5CompressionMetricsTest.
 */
class ReviewIssue25CompressionRatioTest {
  private static String metrics(BrokerFixture f) {
    return f.callJson("{\"action\":\"metrics\"}").get("metrics").asText();
  }

  @Test
  void theRatioIsAlwaysAFiniteNumber() throws Exception {
    try (BrokerFixture f = new BrokerFixture()) {
      assertThat(metrics(f)).contains("ephemeral_broker_compression_ratio 0\n");
      // Reported sizes of zero before and something after: a naive ratio is Infinity.
      f.call(
          "{\"action\":\"set\",\"key\":\"a\",\"value\":\"x\",\"ttl\":1000,\"compressed\":true,\"beforeSize\":0,\"afterSize\":50}");
      assertThat(metrics(f))
          .contains("ephemeral_broker_compression_ratio 0\n")
          .doesNotContain("NaN")
          .doesNotContain("Infinity");
      f.call(
          "{\"action\":\"set\",\"key\":\"b\",\"value\":\"x\",\"ttl\":1000,\"compressed\":true,\"beforeSize\":200,\"afterSize\":50}");
      assertThat(metrics(f)).contains("ephemeral_broker_compression_ratio 0.5000\n");
      String json = f.call("{\"action\":\"metrics\",\"format\":\"json\"}");
      assertThat(json).doesNotContain("NaN").doesNotContain("Infinity");
    }
  }
}
