package io.ephemeral.cli;

import io.ephemeral.client.ServicesReport;
import java.util.LinkedHashMap;
import java.util.Map;

/** The gateway's observed call graph as Mermaid or Graphviz DOT text. */
final class CallGraph {
  private CallGraph() {}

  /** A Mermaid flowchart: one node per service, one labelled edge per caller/callee pair. */
  static String mermaid(ServicesReport report) {
    Map<String, String> ids = nodeIds(report);
    StringBuilder sb = new StringBuilder("graph LR\n");
    ids.forEach(
        (name, id) ->
            sb.append("  ").append(id).append("[\"").append(mermaidText(name)).append("\"]\n"));
    for (ServicesReport.Edge e : report.edges()) {
      sb.append("  ")
          .append(ids.get(e.from()))
          .append(" -->|\"")
          .append(label(e))
          .append("\"| ")
          .append(ids.get(e.to()))
          .append('\n');
    }
    return sb.toString();
  }

  /** A Graphviz digraph. */
  static String dot(ServicesReport report) {
    StringBuilder sb = new StringBuilder("digraph services {\n  rankdir=LR;\n");
    for (String name : nodeIds(report).keySet()) {
      sb.append("  ").append(dotQuote(name)).append(";\n");
    }
    for (ServicesReport.Edge e : report.edges()) {
      sb.append("  ")
          .append(dotQuote(e.from()))
          .append(" -> ")
          .append(dotQuote(e.to()))
          .append(" [label=")
          .append(dotQuote(label(e)))
          .append("];\n");
    }
    return sb.append("}\n").toString();
  }

  /** Services and every name seen on an edge (a caller may have disconnected since). */
  private static Map<String, String> nodeIds(ServicesReport report) {
    Map<String, String> ids = new LinkedHashMap<>();
    report.services().forEach(s -> ids.computeIfAbsent(s.name(), n -> "s" + ids.size()));
    for (ServicesReport.Edge e : report.edges()) {
      ids.computeIfAbsent(e.from(), n -> "s" + ids.size());
      ids.computeIfAbsent(e.to(), n -> "s" + ids.size());
    }
    return ids;
  }

  private static String label(ServicesReport.Edge e) {
    return e.calls()
        + (e.calls() == 1 ? " call" : " calls")
        + (e.errors() == 0 ? "" : ", " + e.errors() + " errors");
  }

  private static String mermaidText(String s) {
    return s.replace("\"", "#quot;");
  }

  private static String dotQuote(String s) {
    return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
  }
}
