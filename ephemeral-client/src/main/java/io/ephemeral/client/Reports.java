package io.ephemeral.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The broker's answers to list, ping, stats, health, services, del and lease, as Java values. */
final class Reports {
  private Reports() {}

  static Boolean deleted(Reply r) {
    JsonNode d = r.member("deleted");
    return d.isBoolean() ? d.booleanValue() : Boolean.TRUE;
  }

  static Integer leaseValue(Reply r) throws IOException {
    JsonNode v = r.valueTree();
    if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
      throw new IOException("lease reply without an integer value");
    }
    return v.intValue();
  }

  static long pong(Reply r) throws IOException {
    JsonNode n = r.member("pong");
    if (!n.isNumber()) {
      throw new IOException("reply without a numeric pong");
    }
    return n.asLong();
  }

  static Map<String, KeyInfo> keys(Reply r) {
    JsonNode items = r.member("items");
    Map<String, KeyInfo> out = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = items.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode info = e.getValue();
      out.put(
          e.getKey(),
          new KeyInfo(info.path("expires").asLong(), info.path("hasValue").asBoolean()));
    }
    return Collections.unmodifiableMap(out);
  }

  private static Capacity capacity(JsonNode c) {
    JsonNode warning = c.path("warning");
    return new Capacity(
        c.path("items").asLong(),
        c.path("maxItems").asLong(),
        c.path("utilization").asDouble(),
        c.path("nearCapacity").asBoolean(),
        c.path("atCapacity").asBoolean(),
        warning.isTextual() ? warning.asText() : null);
  }

  static BrokerStats stats(Reply r) {
    JsonNode s = r.member("stats");
    JsonNode m = s.path("memory");
    return new BrokerStats(
        s.path("items").asLong(),
        s.path("leases").asLong(),
        s.path("leaseWaiters").asLong(),
        capacity(s.path("capacity")),
        new BrokerStats.Memory(
            m.path("rss").asLong(),
            m.path("heapUsed").asLong(),
            m.path("approximateStoreBytes").asLong()),
        s.path("uptime").asLong());
  }

  static ServicesReport services(Reply r) {
    List<ServicesReport.Service> services = new ArrayList<>();
    for (JsonNode s : r.member("services")) {
      List<String> methods = new ArrayList<>();
      s.path("methods").forEach(m -> methods.add(m.asText()));
      JsonNode calls = s.path("calls");
      services.add(
          new ServicesReport.Service(
              s.path("name").asText(),
              List.copyOf(methods),
              s.path("connections").asInt(),
              s.path("connectedAt").asLong(),
              s.path("lastHeartbeat").asLong(),
              calls.path("received").asLong(),
              calls.path("made").asLong(),
              calls.path("errors").asLong(),
              s.path("pending").asInt()));
    }
    List<ServicesReport.Edge> edges = new ArrayList<>();
    for (JsonNode e : r.member("edges")) {
      edges.add(
          new ServicesReport.Edge(
              e.path("from").asText(),
              e.path("to").asText(),
              e.path("calls").asLong(),
              e.path("errors").asLong()));
    }
    return new ServicesReport(List.copyOf(services), List.copyOf(edges));
  }

  static BrokerHealth health(Reply r) {
    JsonNode m = r.member("memory");
    JsonNode c = r.member("connections");
    return new BrokerHealth(
        r.member("status").asText(null),
        r.member("uptime").asLong(),
        r.member("timestamp").asLong(),
        capacity(r.member("capacity")),
        new BrokerHealth.Memory(
            m.path("rss").asLong(), m.path("heapUsed").asLong(), m.path("heapTotal").asLong()),
        new BrokerHealth.Connections(c.path("inFlight").asLong(), c.path("draining").asBoolean()));
  }
}
