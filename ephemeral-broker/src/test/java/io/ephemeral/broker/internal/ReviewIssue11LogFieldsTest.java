package io.ephemeral.broker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.ephemeral.broker.BrokerFixture;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Review issue #11: log fields that were objects printed as "[object Object]". */
class ReviewIssue11LogFieldsTest {
  @Test
  void nestedFieldValuesAreRenderedAsJsonInTextLogs() {
    BrokerLog log = new BrokerLog(BrokerConfig.LogLevel.INFO, false);
    String line =
        log.format(
            "info", "Something happened", "meta", Map.of("a", 1), "list", List.of("x", 2), "n", 3);
    assertThat(line).isEqualTo("[broker] Something happened (meta={\"a\":1} list=[\"x\",2] n=3)");
  }

  @Test
  void structuredLogsAreOneJsonObjectWithTypedFields() throws Exception {
    BrokerLog log = new BrokerLog(BrokerConfig.LogLevel.INFO, true);
    String line =
        log.format(
            "warn",
            "Store near capacity",
            "items",
            9,
            "detail",
            Map.of("max", 10),
            "quote",
            "a\"b");
    var node = BrokerFixture.JSON.readTree(line);
    assertThat(node.get("level").asText()).isEqualTo("warn");
    assertThat(node.get("component").asText()).isEqualTo("broker");
    assertThat(node.get("message").asText()).isEqualTo("Store near capacity");
    assertThat(node.get("items").asInt()).isEqualTo(9);
    assertThat(node.get("detail").get("max").asInt()).isEqualTo(10);
    assertThat(node.get("quote").asText()).isEqualTo("a\"b");
    assertThat(line).doesNotContain("\n");
  }
}
