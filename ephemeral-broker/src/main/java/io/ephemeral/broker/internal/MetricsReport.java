package io.ephemeral.broker.internal;

import java.util.Map;

/**
 * The {@code metrics} action: Prometheus text by default (what the Node client expects), or with
 * {@code "format":"json"} one JSON object with requests and errors per action, latency percentiles,
 * connections, compression, expirations and per-method gateway figures.
 */
final class MetricsReport {
  private final Metrics metrics;
  private final CommandTable commands;
  private final LoopState state;
  private final GatewayRouter router;
  private final boolean enabled;

  MetricsReport(
      Metrics metrics,
      CommandTable commands,
      LoopState state,
      GatewayRouter router,
      boolean enabled) {
    this.metrics = metrics;
    this.commands = commands;
    this.state = state;
    this.router = router;
    this.enabled = enabled;
  }

  void handle(Request r, Reply reply) {
    if ("json".equals(r.format)) {
      ByteOutput out = reply.ok();
      out.ascii(",\"metrics\":");
      json(out);
      out.ascii(",\"format\":\"json\"");
      reply.end();
      return;
    }
    ByteOutput out = reply.ok();
    out.ascii(",\"metrics\":").jsonString(prometheus());
    out.ascii(",\"format\":\"prometheus\"");
    reply.end();
  }

  private void json(ByteOutput out) {
    out.ascii("{\"requests\":{\"total\":").number(metrics.requests());
    for (Command c : commands.all()) {
      out.write((byte) ',').jsonString(c.name).write((byte) ':').number(c.stats.calls);
    }
    long errorTotal = 0;
    for (long[] n : metrics.errorsByCode().values()) {
      errorTotal += n[0];
    }
    out.ascii("},\"errors\":{\"total\":").number(errorTotal);
    for (Map.Entry<String, long[]> e : metrics.errorsByCode().entrySet()) {
      out.write((byte) ',').jsonString(e.getKey()).write((byte) ':').number(e.getValue()[0]);
    }
    out.ascii("},\"latency\":");
    overall().writeJson(out);
    out.ascii(",\"actions\":{");
    boolean first = true;
    for (Command c : commands.all()) {
      if (c.stats.calls == 0) {
        continue;
      }
      if (!first) {
        out.write((byte) ',');
      }
      first = false;
      out.jsonString(c.name)
          .ascii(":{\"requests\":")
          .number(c.stats.calls)
          .ascii(",\"errors\":")
          .number(c.stats.errors)
          .ascii(",\"latency\":");
      c.stats.writeJson(out);
      out.write((byte) '}');
    }
    out.ascii("},\"connections\":{\"current\":").number(state.connections);
    out.ascii(",\"accepted\":").number(state.connectionsAccepted).ascii(",\"refused\":{");
    first = true;
    for (Map.Entry<String, Long> e : state.connectionsRefused.entrySet()) {
      if (!first) {
        out.write((byte) ',');
      }
      first = false;
      out.jsonString(e.getKey()).write((byte) ':').number(e.getValue());
    }
    out.ascii("}},\"limits\":{");
    for (Limit l : Limit.ALL) {
      if (l.ordinal() > 0) {
        out.write((byte) ',');
      }
      out.jsonString(l.label).write((byte) ':').number(state.limitHits[l.ordinal()]);
    }
    out.ascii("},\"compression\":{\"compressed\":").number(metrics.compressedCount());
    out.ascii(",\"uncompressed\":").number(metrics.uncompressedCount());
    out.ascii(",\"bytesBefore\":")
        .number(metrics.bytesBefore())
        .ascii(",\"bytesAfter\":")
        .number(metrics.bytesAfter());
    out.ascii("},\"expired\":{\"items\":")
        .number(metrics.expiredItems())
        .ascii(",\"leases\":")
        .number(metrics.expiredLeases());
    out.ascii("},\"evictions\":").number(metrics.evictions());
    out.ascii(",\"memory\":{\"used\":").number(state.budget.used());
    out.ascii(",\"max\":").number(state.budget.max()).write((byte) '}');
    out.ascii(",\"gateway\":[");
    first = true;
    for (Map.Entry<String, LatencyStats> e : router.methodStats().entrySet()) {
      if (!first) {
        out.write((byte) ',');
      }
      first = false;
      int nl = e.getKey().indexOf('\n');
      LatencyStats s = e.getValue();
      out.ascii("{\"service\":")
          .jsonString(e.getKey().substring(0, nl))
          .ascii(",\"method\":")
          .jsonString(e.getKey().substring(nl + 1))
          .ascii(",\"calls\":")
          .number(s.calls)
          .ascii(",\"errors\":")
          .number(s.errors)
          .ascii(",\"latency\":");
      s.writeJson(out);
      out.write((byte) '}');
    }
    out.ascii("],\"enabled\":").bool(enabled).write((byte) '}');
  }

  /** All actions' latencies together. */
  private LatencyStats overall() {
    LatencyStats all = new LatencyStats();
    for (Command c : commands.all()) {
      all.add(c.stats);
    }
    return all;
  }

  private String prometheus() {
    StringBuilder sb = new StringBuilder(metrics.prometheus(state.inFlight, state.draining));
    Metrics.family(
        sb,
        "ephemeral_broker_request_duration_seconds",
        "summary",
        "Time to answer a request, by action");
    for (Command c : commands.all()) {
      if (c.stats.calls == 0) {
        continue;
      }
      for (double q : new double[] {0.5, 0.95, 0.99, 0.999}) {
        sb.append("ephemeral_broker_request_duration_seconds{action=\"");
        Metrics.escapeLabel(sb, c.name);
        sb.append("\",quantile=\"")
            .append(q)
            .append("\"} ")
            .append(LatencyStats.seconds(c.stats.percentileNanos(q * 100)))
            .append('\n');
      }
      sb.append("ephemeral_broker_request_duration_seconds_count{action=\"");
      Metrics.escapeLabel(sb, c.name);
      sb.append("\"} ").append(c.stats.calls).append('\n');
    }
    Metrics.family(sb, "ephemeral_broker_errors_total", "counter", "Error responses by error code");
    for (Map.Entry<String, long[]> e : metrics.errorsByCode().entrySet()) {
      sb.append("ephemeral_broker_errors_total{code=\"");
      Metrics.escapeLabel(sb, e.getKey());
      sb.append("\"} ").append(e.getValue()[0]).append('\n');
    }
    Metrics.family(sb, "ephemeral_broker_connections", "gauge", "Open connections");
    sb.append("ephemeral_broker_connections ").append(state.connections).append('\n');
    Metrics.family(
        sb, "ephemeral_broker_connections_accepted_total", "counter", "Connections accepted");
    sb.append("ephemeral_broker_connections_accepted_total ")
        .append(state.connectionsAccepted)
        .append('\n');
    Metrics.family(
        sb,
        "ephemeral_broker_connections_refused_total",
        "counter",
        "Connections refused, by reason");
    for (Map.Entry<String, Long> e : state.connectionsRefused.entrySet()) {
      sb.append("ephemeral_broker_connections_refused_total{reason=\"");
      Metrics.escapeLabel(sb, e.getKey());
      sb.append("\"} ").append(e.getValue()).append('\n');
    }
    Metrics.family(
        sb,
        "ephemeral_broker_memory_used_bytes",
        "gauge",
        "What clients make the broker hold, counted against maxMemory, by part");
    for (MemoryBudget.Part part : MemoryBudget.Part.values()) {
      sb.append("ephemeral_broker_memory_used_bytes{part=\"")
          .append(part.label)
          .append("\"} ")
          .append(state.budget.used(part))
          .append('\n');
    }
    Metrics.family(
        sb, "ephemeral_broker_memory_max_bytes", "gauge", "The memory budget, maxMemory");
    sb.append("ephemeral_broker_memory_max_bytes ").append(state.budget.max()).append('\n');
    Metrics.family(
        sb,
        "ephemeral_broker_limit_rejections_total",
        "counter",
        "Requests refused and connections closed because a limit was hit, by limit (the option's name)");
    for (Limit l : Limit.ALL) {
      sb.append("ephemeral_broker_limit_rejections_total{limit=\"")
          .append(l.label)
          .append("\"} ")
          .append(state.limitHits[l.ordinal()])
          .append('\n');
    }
    Metrics.family(
        sb,
        "ephemeral_broker_gateway_calls_total",
        "counter",
        "Gateway calls by service, method and result");
    for (Map.Entry<String, LatencyStats> e : router.methodStats().entrySet()) {
      for (boolean error : new boolean[] {false, true}) {
        sb.append("ephemeral_broker_gateway_calls_total{");
        labels(sb, e.getKey());
        sb.append(",result=\"")
            .append(error ? "error" : "success")
            .append("\"} ")
            .append(error ? e.getValue().errors : e.getValue().calls - e.getValue().errors)
            .append('\n');
      }
    }
    Metrics.family(
        sb,
        "ephemeral_broker_gateway_call_duration_seconds",
        "summary",
        "Gateway call time, by service and method");
    for (Map.Entry<String, LatencyStats> e : router.methodStats().entrySet()) {
      for (double q : new double[] {0.5, 0.99}) {
        sb.append("ephemeral_broker_gateway_call_duration_seconds{");
        labels(sb, e.getKey());
        sb.append(",quantile=\"")
            .append(q)
            .append("\"} ")
            .append(LatencyStats.seconds(e.getValue().percentileNanos(q * 100)))
            .append('\n');
      }
    }
    return sb.toString();
  }

  private static void labels(StringBuilder sb, String serviceAndMethod) {
    int nl = serviceAndMethod.indexOf('\n');
    sb.append("service=\"");
    Metrics.escapeLabel(sb, serviceAndMethod.substring(0, nl));
    sb.append("\",method=\"");
    Metrics.escapeLabel(sb, serviceAndMethod.substring(nl + 1));
    sb.append('"');
  }
}
