package io.ephemeral.broker.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the gateway observed of delivered calls: who calls whom (edges) and each method's calls,
 * errors and latency. Only names of registered services and methods they announced are recorded,
 * never names taken from a refused frame, and both are bounded and counted in the memory budget.
 * Loop thread only.
 */
final class CallGraph {
  /** Calls between two services. */
  static final class Edge {
    final String from;
    final String to;
    long calls;
    long errors;

    Edge(String from, String to) {
      this.from = from;
      this.to = to;
    }
  }

  /** Estimated heap bytes of an edge beyond its key. */
  static final int EDGE_BYTES = 100;

  /** Estimated heap bytes of one method's figures (mostly its latency histogram). */
  static final int STATS_BYTES = 20_000;

  /** Most edges kept; the least recently used one goes first. */
  static final int MAX_EDGES = 10_000;

  /** Most methods with figures of their own; the rest count under their service's "(other)". */
  static final int MAX_METHOD_STATS = 10_000;

  static final String OTHER_METHOD = "(other)";

  private final MemoryBudget budget;

  private final LinkedHashMap<String, Edge> edges =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Edge> eldest) {
          if (size() <= MAX_EDGES) {
            return false;
          }
          budget.add(MemoryBudget.Part.GATEWAY, -edgeBytes(eldest.getKey()));
          return true;
        }
      };

  /** Calls, errors and latency per "service\nmethod". */
  private final LinkedHashMap<String, LatencyStats> methodStats = new LinkedHashMap<>();

  CallGraph(MemoryBudget budget) {
    this.budget = budget;
  }

  /** The edge between two registered services; one not recorded when the budget is full. */
  Edge edge(String from, String to) {
    String key = from + '\n' + to;
    Edge e = edges.get(key);
    if (e == null) {
      e = new Edge(from, to);
      if (budget.fits(edgeBytes(key))) {
        budget.add(MemoryBudget.Part.GATEWAY, edgeBytes(key));
        edges.put(key, e);
      }
    }
    return e;
  }

  private static long edgeBytes(String key) {
    return EDGE_BYTES + MemoryBudget.stringBytes(key.length());
  }

  /**
   * The figures of {@code service}'s {@code method}: per method it announced; any other name (a
   * caller may send anything) counts under "(other)", so made-up names cannot grow the map. Null
   * (not recorded) while the budget has no room for new figures.
   */
  LatencyStats methodStats(String service, Set<String> announced, String method) {
    String key = service + '\n' + (announced.contains(method) ? method : OTHER_METHOD);
    LatencyStats s = methodStats.get(key);
    if (s == null) {
      if (methodStats.size() >= MAX_METHOD_STATS) {
        key = service + '\n' + OTHER_METHOD;
        s = methodStats.get(key);
      }
      if (s == null) {
        if (!budget.fits(STATS_BYTES)) {
          return null;
        }
        budget.add(MemoryBudget.Part.GATEWAY, STATS_BYTES);
        s = new LatencyStats();
        methodStats.put(key, s);
      }
    }
    return s;
  }

  /** Observed calls between services: from, to, calls, errors. */
  List<Edge> edges() {
    return new ArrayList<>(edges.values());
  }

  /** Per service and method ("service\nmethod" keys). */
  Map<String, LatencyStats> methodStats() {
    return methodStats;
  }

  /** Forgets everything (what it held leaves the budget with the rest of the gateway's). */
  void clear() {
    edges.clear();
    methodStats.clear();
  }
}
