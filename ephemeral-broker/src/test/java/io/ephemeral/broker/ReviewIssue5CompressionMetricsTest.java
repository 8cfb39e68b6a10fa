package io.ephemeral.broker;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Review issues #5 and #25: a compressed value with zero sizes was not counted, and the ratio had a
 * division-by-zero edge case.
 */
class ReviewIssue5CompressionMetricsTest {
  @Test
  void compressedValuesAreCountedEvenWithZeroSizes() throws Exception {
    try (BrokerFixture f = new BrokerFixture()) {
      assertThat(f.callJson("{\"action\":\"metrics\"}").get("metrics").asText())
          .contains("ephemeral_broker_compression_ratio 0\n");
      f.call(
          "{\"action\":\"set\",\"key\":\"a\",\"value\":\"\",\"ttl\":1000,\"compressed\":true,\"beforeSize\":0,\"afterSize\":0}");
      f.call(
          "{\"action\":\"set\",\"key\":\"b\",\"value\":\"x\",\"ttl\":1000,\"compressed\":true,\"beforeSize\":400,\"afterSize\":100}");
      f.call(
          "{\"action\":\"set\",\"key\":\"c\",\"value\":\"x\",\"ttl\":1000,\"compressed\":false,\"beforeSize\":0,\"afterSize\":0}");
      String text = f.callJson("{\"action\":\"metrics\"}").get("metrics").asText();
      assertThat(text)
          .contains("ephemeral_broker_compression_total{compressed=\"true\"} 2\n")
          .contains("ephemeral_broker_compression_total{compressed=\"false\"} 1\n")
          .contains("ephemeral_broker_compression_bytes_total{stage=\"before\"} 400\n")
          .contains("ephemeral_broker_compression_bytes_total{stage=\"after\"} 100\n")
          .contains("ephemeral_broker_compression_ratio 0.2500\n");
    }
  }
}
