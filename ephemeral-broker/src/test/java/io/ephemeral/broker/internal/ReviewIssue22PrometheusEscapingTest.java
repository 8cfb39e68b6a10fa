package io.ephemeral.broker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Review issue #22: label values were not escaped. */
class ReviewIssue22PrometheusEscapingTest {
  @Test
  void labelValuesEscapeBackslashQuoteAndNewline() {
    StringBuilder sb = new StringBuilder();
    Metrics.escapeLabel(sb, "a\\b\"c\nd");
    assertThat(sb.toString()).isEqualTo("a\\\\b\\\"c\\nd");
  }
}
