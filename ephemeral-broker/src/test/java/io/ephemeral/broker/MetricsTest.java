package io.ephemeral.broker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The metrics action in both formats: per-action counts, error codes, latency, connections,
 * gateway.
 */
class MetricsTest {

  @Test
  void jsonMetricsHaveRequestsErrorsAndLatencyPerAction() throws Exception {
    try (BrokerFixture f = new BrokerFixture()) {
      f.call("{\"action\":\"set\",\"key\":\"k\",\"value\":1,\"ttl\":1000}");
      f.call("{\"action\":\"get\",\"key\":\"k\"}");
      f.call("{\"action\":\"get\",\"key\":\"missing\"}");
      f.call("{\"action\":\"nope\"}");
      JsonNode reply = f.callJson("{\"action\":\"metrics\",\"format\":\"json\"}");
      assertThat(reply.get("format").asText()).isEqualTo("json");
      JsonNode m = reply.get("metrics");
      // As in the Node broker, the metrics request itself is counted.
      assertThat(m.get("requests").get("total").asInt()).isEqualTo(5);
      assertThat(m.get("requests").get("get").asInt()).isEqualTo(2);
      assertThat(m.get("requests").get("set").asInt()).isEqualTo(1);
      assertThat(m.get("errors").get("total").asInt()).isEqualTo(2);
      assertThat(m.get("errors").get("not_found").asInt()).isEqualTo(1);
      assertThat(m.get("errors").get("unknown_action").asInt()).isEqualTo(1);
      JsonNode get = m.get("actions").get("get");
      assertThat(get.get("requests").asInt()).isEqualTo(2);
      assertThat(get.get("errors").asInt()).isEqualTo(1);
      for (String p : new String[] {"p50", "p95", "p99", "p999"}) {
        assertThat(get.get("latency").get(p).asDouble()).as(p).isPositive().isLessThan(1000);
        assertThat(m.get("latency").has(p)).isTrue();
      }
      assertThat(m.get("connections").get("current").asInt()).isEqualTo(1);
      assertThat(m.get("connections").get("accepted").asInt()).isEqualTo(1);
    }
  }

  @Test
  void prometheusTextHasLatencyErrorsAndConnections() throws Exception {
    try (BrokerFixture f = new BrokerFixture()) {
      f.call("{\"action\":\"get\",\"key\":\"missing\"}");
      f.broker.drain(Duration.ofSeconds(1));
      try (WireClient late = new WireClient(f.socket)) {
        late.call("{\"action\":\"ping\"}");
      }
      String text = f.callJson("{\"action\":\"metrics\"}").get("metrics").asText();
      assertThat(text)
          .contains("# TYPE ephemeral_broker_request_duration_seconds summary\n")
          .containsPattern(
              "ephemeral_broker_request_duration_seconds\\{action=\"get\",quantile=\"0.99\"} 0\\.\\d{9}\n")
          .contains("ephemeral_broker_errors_total{code=\"not_found\"} 1\n")
          .contains("ephemeral_broker_connections_refused_total{reason=\"draining\"} 1\n");
    }
  }

  @Test
  void hostileServiceAndMethodNamesAreEscapedInLabels() throws Exception {
    try (BrokerFixture f = new BrokerFixture();
        FrameClient callee = new FrameClient(f.socket);
        FrameClient caller = new FrameClient(f.socket)) {
      String name = "we\\\"ird\\\\svc"; // JSON text for: we"ird\svc
      // Figures are kept per announced method: the hostile method name is announced.
      callee.sendJson(
          "{\"type\":\"REGISTER\",\"serviceName\":\""
              + name
              + "\",\"methods\":[\"line1\\nline2\"]}");
      callee.read();
      caller.sendJson(FrameClient.register("caller"));
      caller.read();
      caller.sendJson(
          "{\"type\":\"CALL\",\"id\":\"1\",\"from\":\"caller\",\"to\":\""
              + name
              + "\",\"method\":\"line1\\nline2\",\"params\":{},\"context\":{\"depth\":2,\"deadline\":"
              + (f.clock.millis() + 60_000)
              + "}}");
      callee.read();
      callee.sendJson(
          "{\"type\":\"RESPONSE\",\"id\":\"1\",\"from\":\""
              + name
              + "\",\"to\":\"caller\",\"status\":\"success\",\"data\":1}");
      caller.read();
      String text = f.callJson("{\"action\":\"metrics\"}").get("metrics").asText();
      assertThat(text)
          .contains(
              "ephemeral_broker_gateway_calls_total{service=\"we\\\"ird\\\\svc\",method=\"line1\\nline2\",result=\"success\"} 1\n");
      // Every line is a comment or a complete sample: no label value broke a line.
      for (String line : text.split("\n")) {
        assertThat(line).matches("# (HELP|TYPE) .*|[a-z_]+(\\{.*})? [0-9.]+");
      }
      JsonNode gateway =
          f.callJson("{\"action\":\"metrics\",\"format\":\"json\"}").get("metrics").get("gateway");
      assertThat(gateway.get(0).get("service").asText()).isEqualTo("we\"ird\\svc");
      assertThat(gateway.get(0).get("method").asText()).isEqualTo("line1\nline2");
    }
  }

  @Test
  void metricsOffRecordsNothing() throws Exception {
    try (BrokerFixture f = new BrokerFixture(b -> b.metrics(false))) {
      f.call("{\"action\":\"get\",\"key\":\"missing\"}");
      JsonNode m = f.callJson("{\"action\":\"metrics\",\"format\":\"json\"}").get("metrics");
      assertThat(m.get("enabled").asBoolean()).isFalse();
      assertThat(m.get("requests").get("total").asInt()).isZero();
      assertThat(m.get("errors").get("total").asInt()).isZero();
      assertThat(m.get("actions").size()).isZero();
    }
  }
}
