package io.ephemeral.broker;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Review issue #10: value sizes were JavaScript string lengths, not bytes ('🔥'.length is 2, but it
 * is 4 bytes).
 */
class ReviewIssue10Utf8ValueSizeTest {
  @Test
  void valueSizeIsCountedInUtf8Bytes() throws Exception {
    try (BrokerFixture f = new BrokerFixture(b -> b.maxValueSize(12))) {
      // 3 emoji = 12 bytes (6 UTF-16 units): exactly the limit.
      assertThat(
              f.call(
                  "{\"action\":\"set\",\"key\":\"k\",\"value\":\"\uD83D\uDD25\uD83D\uDD25\uD83D\uDD25\",\"ttl\":1000}"))
          .isEqualTo("{\"ok\":true}");
      // 4 emoji = 16 bytes but only 8 UTF-16 units: the Node broker accepted this.
      assertThat(
              f.call(
                  "{\"action\":\"set\",\"key\":\"k\",\"value\":\"\uD83D\uDD25\uD83D\uDD25\uD83D\uDD25\uD83D\uDD25\",\"ttl\":1000}"))
          .isEqualTo("{\"ok\":false,\"error\":\"too_large\"}");
      // Non-string values count by their JSON text.
      assertThat(
              f.call(
                  "{\"action\":\"set\",\"key\":\"k\",\"value\":[\"\u00e9\u00e9\u00e9\u00e9\u00e9\"],\"ttl\":1000}"))
          .isEqualTo("{\"ok\":false,\"error\":\"too_large\"}");
    }
  }
}
