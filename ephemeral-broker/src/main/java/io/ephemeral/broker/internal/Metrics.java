package io.ephemeral.broker.internal;

import java.util.Locale;

/**
 * Counters behind {@code stats}, {@code health} and {@code metrics}, written only by the event-loop
 * thread. With metrics disabled every recording method returns at once and all counters stay zero.
 */
final class Metrics {
  /** Actions that have per-action operation counters, in exposition order. */
  static final String[] COUNTED_ACTIONS = {
    "get", "set", "del", "list", "ping", "stats", "health", "lease", "release"
  };

  private final boolean enabled;
  private final long[] success = new long[COUNTED_ACTIONS.length];
  private final long[] errors = new long[COUNTED_ACTIONS.length];
  private long requests;
  private long compressed;
  private long uncompressed;
  private long bytesBefore;
  private long bytesAfter;
  private long expiredItems;
  private long expiredLeases;
  private long evictions;
  private long capacityItems;
  private long capacityMax;
  private double capacityUtilization;

  /** Error responses by wire code; bounded (custom actions may invent codes). */
  private final java.util.LinkedHashMap<String, long[]> errorsByCode =
      new java.util.LinkedHashMap<>();

  private static final int MAX_ERROR_CODES = 256;

  Metrics(boolean enabled) {
    this.enabled = enabled;
  }

  static int actionIndex(String action) {
    for (int i = 0; i < COUNTED_ACTIONS.length; i++) {
      if (COUNTED_ACTIONS[i].equals(action)) {
        return i;
      }
    }
    return -1;
  }

  void request() {
    if (enabled) {
      requests++;
    }
  }

  void operation(int actionIndex, boolean ok) {
    if (enabled && actionIndex >= 0) {
      if (ok) {
        success[actionIndex]++;
      } else {
        errors[actionIndex]++;
      }
    }
  }

  /**
   * Counts an answered request of a known action: its operation counter, its calls and errors, its
   * latency when it was sampled ({@code sampledAt}, else {@link Deferred#NOT_SAMPLED}), and the
   * error code.
   */
  void outcome(Command c, String errorCode, long sampledAt) {
    operation(c.metricIndex, errorCode == null);
    if (enabled) {
      if (sampledAt != Deferred.NOT_SAMPLED) {
        c.stats.record(System.nanoTime() - sampledAt, errorCode != null);
      } else {
        c.stats.count(errorCode != null);
      }
    }
    if (errorCode != null) {
      error(errorCode);
    }
  }

  void compression(boolean wasCompressed, long before, long after) {
    if (!enabled) {
      return;
    }
    if (wasCompressed) {
      compressed++;
      bytesBefore += Math.max(0, before);
      bytesAfter += Math.max(0, after);
    } else {
      uncompressed++;
    }
  }

  void error(String code) {
    if (!enabled) {
      return;
    }
    long[] n = errorsByCode.get(code);
    if (n == null) {
      if (errorsByCode.size() >= MAX_ERROR_CODES) {
        code = "other";
        n = errorsByCode.get(code);
      }
      if (n == null) {
        n = new long[1];
        errorsByCode.put(code, n);
      }
    }
    n[0]++;
  }

  java.util.Map<String, long[]> errorsByCode() {
    return errorsByCode;
  }

  long requests() {
    return requests;
  }

  long compressedCount() {
    return compressed;
  }

  long uncompressedCount() {
    return uncompressed;
  }

  long bytesBefore() {
    return bytesBefore;
  }

  long bytesAfter() {
    return bytesAfter;
  }

  long expiredItems() {
    return expiredItems;
  }

  long expiredLeases() {
    return expiredLeases;
  }

  void expiredItem() {
    if (enabled) {
      expiredItems++;
    }
  }

  void expiredLease() {
    if (enabled) {
      expiredLeases++;
    }
  }

  void evicted() {
    if (enabled) {
      evictions++;
    }
  }

  void capacity(long items, long max, double utilization) {
    if (enabled) {
      capacityItems = items;
      capacityMax = max;
      capacityUtilization = utilization;
    }
  }

  long evictions() {
    return evictions;
  }

  /** Prometheus text exposition, families in the order the Node broker writes them. */
  String prometheus(long inFlight, boolean draining) {
    StringBuilder sb = new StringBuilder(2048);
    family(
        sb,
        "ephemeral_broker_operations_total",
        "counter",
        "Total number of operations by action and result");
    for (int i = 0; i < COUNTED_ACTIONS.length; i++) {
      sample(
          sb,
          "ephemeral_broker_operations_total",
          "action",
          COUNTED_ACTIONS[i],
          "result",
          "success",
          success[i]);
      sample(
          sb,
          "ephemeral_broker_operations_total",
          "action",
          COUNTED_ACTIONS[i],
          "result",
          "error",
          errors[i]);
    }
    family(
        sb,
        "ephemeral_broker_compression_total",
        "counter",
        "Values stored by whether the client compressed them");
    sample(sb, "ephemeral_broker_compression_total", "compressed", "true", null, null, compressed);
    sample(
        sb, "ephemeral_broker_compression_total", "compressed", "false", null, null, uncompressed);
    family(
        sb,
        "ephemeral_broker_compression_bytes_total",
        "counter",
        "Bytes before and after client compression");
    sample(
        sb, "ephemeral_broker_compression_bytes_total", "stage", "before", null, null, bytesBefore);
    sample(
        sb, "ephemeral_broker_compression_bytes_total", "stage", "after", null, null, bytesAfter);
    family(
        sb,
        "ephemeral_broker_compression_ratio",
        "gauge",
        "Compressed size divided by original size");
    sb.append("ephemeral_broker_compression_ratio ")
        .append(
            bytesBefore == 0
                ? "0"
                : String.format(Locale.ROOT, "%.4f", (double) bytesAfter / bytesBefore))
        .append('\n');
    family(
        sb,
        "ephemeral_broker_expired_total",
        "counter",
        "Items and leases removed because their TTL passed");
    sample(sb, "ephemeral_broker_expired_total", "type", "items", null, null, expiredItems);
    sample(sb, "ephemeral_broker_expired_total", "type", "leases", null, null, expiredLeases);
    family(sb, "ephemeral_broker_evictions_total", "counter", "Items evicted by the LRU policy");
    sb.append("ephemeral_broker_evictions_total ").append(evictions).append('\n');
    family(
        sb,
        "ephemeral_broker_requests_total",
        "counter",
        "Requests that passed parsing and authentication");
    sb.append("ephemeral_broker_requests_total ").append(requests).append('\n');
    family(
        sb,
        "ephemeral_broker_requests_in_flight",
        "gauge",
        "Requests received and not yet answered");
    sb.append("ephemeral_broker_requests_in_flight ").append(enabled ? inFlight : 0).append('\n');
    family(sb, "ephemeral_broker_draining", "gauge", "1 while the broker drains");
    sb.append("ephemeral_broker_draining ").append(draining ? 1 : 0).append('\n');
    family(sb, "ephemeral_broker_capacity_items", "gauge", "Live items at the last health check");
    sb.append("ephemeral_broker_capacity_items ").append(capacityItems).append('\n');
    family(sb, "ephemeral_broker_capacity_max", "gauge", "maxItems (0 = unlimited)");
    sb.append("ephemeral_broker_capacity_max ").append(capacityMax).append('\n');
    family(sb, "ephemeral_broker_capacity_utilization", "gauge", "Live items divided by maxItems");
    sb.append("ephemeral_broker_capacity_utilization ")
        .append(String.format(Locale.ROOT, "%.4f", capacityUtilization))
        .append('\n');
    return sb.toString();
  }

  static void family(StringBuilder sb, String name, String type, String help) {
    sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
    sb.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  private static void sample(
      StringBuilder sb, String name, String l1, String v1, String l2, String v2, long value) {
    sb.append(name).append('{').append(l1).append("=\"");
    escapeLabel(sb, v1);
    sb.append('"');
    if (l2 != null) {
      sb.append(',').append(l2).append("=\"");
      escapeLabel(sb, v2);
      sb.append('"');
    }
    sb.append("} ").append(value).append('\n');
  }

  /** Label values escape backslash, double quote and newline (Prometheus text format 0.0.4). */
  static void escapeLabel(StringBuilder sb, String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\':
          sb.append("\\\\");
          break;
        case '"':
          sb.append("\\\"");
          break;
        case '\n':
          sb.append("\\n");
          break;
        default:
          sb.append(c);
      }
    }
  }
}
