package io.ephemeral.bench;

import java.util.ArrayList;
import java.util.List;

/** The gateway benchmark's table and its verdict on the targets. */
final class GatewayReport {
  /** Target: calls per second with many calls in flight (small payload). */
  static final double TARGET_CALLS_PER_SEC = 100_000;

  /** Target: median latency of sequential calls (small payload), µs. */
  static final double TARGET_SEQUENTIAL_P50_MICROS = 60;

  /** Target: a call through a typed proxy costs at most this much more CPU than call. */
  static final double TARGET_PROXY_OVERHEAD = 0.05;

  /** The figures of one run of a cell, or their medians over the runs. */
  static final class Stats {
    final double callsPerSec;
    final double p50Micros;
    final double p99Micros;
    final double p999Micros;
    final double brokerCpuMicrosPerCall;

    /** CPU of the tool's JVM (the caller, and the callee too when it runs inside). */
    final double callerCpuMicrosPerCall;

    /** CPU of the callee's own JVM; NaN when the callee runs inside the tool's JVM. */
    final double calleeCpuMicrosPerCall;

    Stats(
        double callsPerSec,
        double p50Micros,
        double p99Micros,
        double p999Micros,
        double brokerCpuMicrosPerCall,
        double callerCpuMicrosPerCall,
        double calleeCpuMicrosPerCall) {
      this.callsPerSec = callsPerSec;
      this.p50Micros = p50Micros;
      this.p99Micros = p99Micros;
      this.p999Micros = p999Micros;
      this.brokerCpuMicrosPerCall = brokerCpuMicrosPerCall;
      this.callerCpuMicrosPerCall = callerCpuMicrosPerCall;
      this.calleeCpuMicrosPerCall = calleeCpuMicrosPerCall;
    }

    /** Each figure is the median of that figure over the runs. */
    static Stats median(List<Stats> runs) {
      return new Stats(
          Report.median(runs.stream().mapToDouble(s -> s.callsPerSec).toArray()),
          Report.median(runs.stream().mapToDouble(s -> s.p50Micros).toArray()),
          Report.median(runs.stream().mapToDouble(s -> s.p99Micros).toArray()),
          Report.median(runs.stream().mapToDouble(s -> s.p999Micros).toArray()),
          Report.median(runs.stream().mapToDouble(s -> s.brokerCpuMicrosPerCall).toArray()),
          Report.median(runs.stream().mapToDouble(s -> s.callerCpuMicrosPerCall).toArray()),
          Report.median(runs.stream().mapToDouble(s -> s.calleeCpuMicrosPerCall).toArray()));
    }

    /** CPU per call of every process that was measured (the middle one, caller and callee). */
    double totalCpuMicrosPerCall() {
      double sum = 0;
      for (double v :
          new double[] {brokerCpuMicrosPerCall, callerCpuMicrosPerCall, calleeCpuMicrosPerCall}) {
        if (!Double.isNaN(v)) {
          sum += v;
        }
      }
      return sum;
    }

    String brief() {
      return Report.rate(callsPerSec)
          + " calls/s, p50 "
          + Report.fixed(p50Micros, 1)
          + " p99 "
          + Report.fixed(p99Micros, 1)
          + " p999 "
          + Report.fixed(p999Micros, 1)
          + " µs, CPU µs/call "
          + (Double.isNaN(brokerCpuMicrosPerCall)
              ? ""
              : "middle " + Report.fixed(brokerCpuMicrosPerCall, 2) + " ")
          + "caller "
          + Report.fixed(callerCpuMicrosPerCall, 2)
          + (Double.isNaN(calleeCpuMicrosPerCall)
              ? ""
              : " callee " + Report.fixed(calleeCpuMicrosPerCall, 2));
    }
  }

  /** A cell and its medians. */
  static final class Row {
    final GatewayCell cell;
    final Stats stats;

    Row(GatewayCell cell, Stats stats) {
      this.cell = cell;
      this.stats = stats;
    }
  }

  private GatewayReport() {}

  /** The table of our gateway. */
  static String table(List<Row> rows, boolean calleeApart) {
    return table(rows, calleeApart, "broker");
  }

  /**
   * The Markdown table of one system. p999 is shown for sequential cells only: with many calls in
   * flight it mostly measures the queue behind a GC pause or a descheduled thread.
   *
   * @param middle the process between caller and callee ("broker", "nats-server"), or null when the
   *     caller reaches the callee directly
   */
  static String table(List<Row> rows, boolean calleeApart, String middle) {
    boolean apis = rows.stream().anyMatch(r -> r.cell.proxy);
    StringBuilder sb = new StringBuilder();
    sb.append("| payload | encoding | calls in flight | ")
        .append(apis ? "caller API | " : "")
        .append("calls/s | p50 µs | p99 µs | p999 µs | ");
    if (middle != null) {
      sb.append(middle).append(" CPU µs/call | ");
    }
    sb.append(
        calleeApart
            ? "caller JVM CPU µs/call | callee JVM CPU µs/call |\n"
            : "caller+callee JVM CPU µs/call |\n");
    sb.append("|---|---|---:|" + (apis ? "---|" : "") + "---:|---:|---:|---:|")
        .append(middle != null ? "---:|" : "")
        .append(calleeApart ? "---:|---:|\n" : "---:|\n");
    for (Row r : rows) {
      Stats s = r.stats;
      sb.append("| ")
          .append(r.cell.payloadLabel())
          .append(" | ")
          .append(r.cell.encodingLabel())
          .append(" | ")
          .append(r.cell.inFlight)
          .append(" | ")
          .append(apis ? r.cell.apiLabel() + " | " : "")
          .append(Report.rate(s.callsPerSec))
          .append(" | ")
          .append(Report.fixed(s.p50Micros, 1))
          .append(" | ")
          .append(Report.fixed(s.p99Micros, 1))
          .append(" | ")
          .append(r.cell.inFlight == 1 ? Report.fixed(s.p999Micros, 1) : "–");
      if (middle != null) {
        sb.append(" | ").append(Report.fixed(s.brokerCpuMicrosPerCall, 2));
      }
      sb.append(" | ").append(Report.fixed(s.callerCpuMicrosPerCall, 2));
      if (calleeApart) {
        sb.append(" | ").append(Report.fixed(s.calleeCpuMicrosPerCall, 2));
      }
      sb.append(" |\n");
    }
    return sb.toString();
  }

  /**
   * Ours beside the peers, cell by cell: calls per second and the CPU of all of a system's
   * processes per call, each with ours divided by the best peer (rate: the highest; CPU: the
   * lowest). The targets are a rate ratio of at least 1 and a CPU ratio of at most 1.
   *
   * @param medians medians[system][cell], ours first
   */
  static String comparison(
      List<GatewayCell> cells, List<String> systems, List<List<Stats>> medians) {
    StringBuilder sb = new StringBuilder("| payload | encoding | calls in flight |");
    for (String s : systems) {
      sb.append(' ').append(s).append(" calls/s |");
    }
    sb.append(" ours/best |");
    for (String s : systems) {
      sb.append(' ').append(s).append(" CPU µs/call |");
    }
    sb.append(" ours/lowest |\n|---|---|---:|");
    sb.append("---:|".repeat(2 * systems.size() + 2)).append('\n');
    for (int c = 0; c < cells.size(); c++) {
      GatewayCell cell = cells.get(c);
      sb.append("| ")
          .append(cell.payloadLabel())
          .append(" | ")
          .append(cell.encodingLabel())
          .append(" | ")
          .append(cell.inFlight)
          .append(" |");
      double best = 0;
      double lowest = Double.MAX_VALUE;
      for (int s = 0; s < systems.size(); s++) {
        Stats st = medians.get(s).get(c);
        sb.append(' ').append(Report.rate(st.callsPerSec)).append(" |");
        if (s > 0) {
          best = Math.max(best, st.callsPerSec);
          lowest = Math.min(lowest, st.totalCpuMicrosPerCall());
        }
      }
      Stats ours = medians.get(0).get(c);
      sb.append(' ').append(Report.fixed(ours.callsPerSec / best, 2)).append(" |");
      for (int s = 0; s < systems.size(); s++) {
        sb.append(' ')
            .append(Report.fixed(medians.get(s).get(c).totalCpuMicrosPerCall(), 1))
            .append(" |");
      }
      sb.append(' ').append(Report.fixed(ours.totalCpuMicrosPerCall() / lowest, 2)).append(" |\n");
    }
    return sb.toString();
  }

  /**
   * One line per target and small-payload cell that it concerns: the figure, the target, met or
   * missed. Empty when no measured cell concerns a target.
   */
  static List<String> verdicts(List<Row> rows) {
    List<String> out = new ArrayList<>();
    for (Row r : rows) {
      if (r.cell.proxy) {
        proxyVerdict(r, rows, out);
        continue;
      }
      if (r.cell.payloadBytes != 0) {
        continue;
      }
      if (r.cell.inFlight == 1) {
        boolean met = r.stats.p50Micros <= TARGET_SEQUENTIAL_P50_MICROS;
        out.add(
            "sequential p50, small "
                + r.cell.encodingLabel()
                + ": "
                + Report.fixed(r.stats.p50Micros, 1)
                + " µs (target ≤ "
                + Report.fixed(TARGET_SEQUENTIAL_P50_MICROS, 0)
                + " µs): "
                + (met ? "met" : "MISSED"));
      } else if (r.cell.inFlight >= 64) {
        boolean met = r.stats.callsPerSec >= TARGET_CALLS_PER_SEC;
        out.add(
            r.cell.inFlight
                + " in flight, small "
                + r.cell.encodingLabel()
                + ": "
                + Report.rate(r.stats.callsPerSec)
                + " calls/s (target ≥ "
                + Report.rate(TARGET_CALLS_PER_SEC)
                + "): "
                + (met ? "met" : "MISSED"));
      }
    }
    return out;
  }

  /**
   * A proxy cell against the call cell of the same payload, encoding and calls in flight: the CPU
   * per call of all the processes (what a call costs; the target), of the caller JVM alone (the
   * only side a proxy changes), and the calls per second.
   */
  private static void proxyVerdict(Row proxy, List<Row> rows, List<String> out) {
    for (Row call : rows) {
      GatewayCell c = call.cell;
      if (!c.proxy
          && c.payloadBytes == proxy.cell.payloadBytes
          && c.serializer == proxy.cell.serializer
          && c.inFlight == proxy.cell.inFlight) {
        double p = proxy.stats.totalCpuMicrosPerCall();
        double q = call.stats.totalCpuMicrosPerCall();
        double caller = proxy.stats.callerCpuMicrosPerCall / call.stats.callerCpuMicrosPerCall - 1;
        double rate = proxy.stats.callsPerSec / call.stats.callsPerSec - 1;
        out.add(
            "proxy vs call, "
                + c.payloadLabel()
                + " "
                + c.encodingLabel()
                + " "
                + (c.inFlight == 1 ? "sequential" : c.inFlight + " in flight")
                + ": CPU "
                + Report.fixed(p, 2)
                + " vs "
                + Report.fixed(q, 2)
                + " µs/call ("
                + percent(p / q - 1)
                + "; the caller's "
                + Report.fixed(proxy.stats.callerCpuMicrosPerCall, 2)
                + " vs "
                + Report.fixed(call.stats.callerCpuMicrosPerCall, 2)
                + ", "
                + percent(caller)
                + "), calls/s "
                + Report.rate(proxy.stats.callsPerSec)
                + " vs "
                + Report.rate(call.stats.callsPerSec)
                + " ("
                + percent(rate)
                + "); target ≤ +"
                + Report.fixed(TARGET_PROXY_OVERHEAD * 100, 0)
                + "% CPU per call: "
                + (p / q - 1 <= TARGET_PROXY_OVERHEAD ? "met" : "MISSED"));
        return;
      }
    }
  }

  private static String percent(double fraction) {
    return (fraction >= 0 ? "+" : "") + Report.fixed(fraction * 100, 1) + "%";
  }
}
