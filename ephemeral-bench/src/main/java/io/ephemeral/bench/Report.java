package io.ephemeral.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** The side-by-side table (Markdown, readable in a terminal too) and the SVG bar chart of a run. */
final class Report {

  /** Medians of one server in one cell. */
  static final class Stats {
    final double opsPerSec;
    final double p50Micros;
    final double p99Micros;
    final double p999Micros;
    final double cpuMicrosPerRequest;

    /**
     * The generator's own CPU per request: near 1 core in total means it, not the server, set the
     * pace.
     */
    final double generatorCpuMicrosPerRequest;

    /**
     * The CPU per request of a process behind the server, when the run measured one (the Redis
     * behind a broker that keeps its values there), else NaN.
     */
    final double behindCpuMicrosPerRequest;

    Stats(
        double opsPerSec,
        double p50Micros,
        double p99Micros,
        double p999Micros,
        double cpuMicrosPerRequest,
        double generatorCpuMicrosPerRequest,
        double behindCpuMicrosPerRequest) {
      this.opsPerSec = opsPerSec;
      this.p50Micros = p50Micros;
      this.p99Micros = p99Micros;
      this.p999Micros = p999Micros;
      this.cpuMicrosPerRequest = cpuMicrosPerRequest;
      this.generatorCpuMicrosPerRequest = generatorCpuMicrosPerRequest;
      this.behindCpuMicrosPerRequest = behindCpuMicrosPerRequest;
    }

    /** Each figure is the median of that figure over the runs. */
    static Stats median(List<Stats> runs) {
      return new Stats(
          Report.median(runs.stream().mapToDouble(s -> s.opsPerSec).toArray()),
          Report.median(runs.stream().mapToDouble(s -> s.p50Micros).toArray()),
          Report.median(runs.stream().mapToDouble(s -> s.p99Micros).toArray()),
          Report.median(runs.stream().mapToDouble(s -> s.p999Micros).toArray()),
          Report.median(runs.stream().mapToDouble(s -> s.cpuMicrosPerRequest).toArray()),
          Report.median(runs.stream().mapToDouble(s -> s.generatorCpuMicrosPerRequest).toArray()),
          Report.median(runs.stream().mapToDouble(s -> s.behindCpuMicrosPerRequest).toArray()));
    }
  }

  /** One cell: an operation at connections × pipeline depth. */
  static final class Row {
    final Cell cell;
    final Stats ours;
    final Stats redis; // null when Redis has no counterpart or was not run

    Row(Cell cell, Stats ours, Stats redis) {
      this.cell = cell;
      this.ours = ours;
      this.redis = redis;
    }
  }

  private Report() {}

  static double median(double[] values) {
    if (values.length == 0) {
      return Double.NaN;
    }
    double[] v = values.clone();
    Arrays.sort(v);
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }

  static String table(List<Row> rows) {
    return table(rows, "ours", "Redis");
  }

  /** The table with other names for the two columns (e.g. memory and redis store). */
  static String table(List<Row> rows, String a, String b) {
    StringBuilder sb = new StringBuilder();
    sb.append(
        "| op | conns×pipeline | "
            + a
            + " ops/s | "
            + b
            + " ops/s | "
            + a
            + "/"
            + b
            + " | "
            + a
            + " p50 / p99 / p999 µs | "
            + b
            + " p50 / p99 / p999 µs | "
            + a
            + " CPU µs/req | "
            + b
            + " CPU µs/req | generator CPU µs/req |\n");
    sb.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Row r : rows) {
      sb.append("| ")
          .append(r.cell.label())
          .append(" | ")
          .append(r.cell.shape())
          .append(" | ")
          .append(rate(r.ours.opsPerSec))
          .append(" | ")
          .append(r.redis == null ? "–" : rate(r.redis.opsPerSec))
          .append(" | ")
          .append(r.redis == null ? "–" : fixed(r.ours.opsPerSec / r.redis.opsPerSec, 2))
          .append(" | ")
          .append(latencies(r.ours))
          .append(" | ")
          .append(r.redis == null ? "–" : latencies(r.redis))
          .append(" | ")
          .append(fixed(r.ours.cpuMicrosPerRequest, 2))
          .append(" | ")
          .append(r.redis == null ? "–" : fixed(r.redis.cpuMicrosPerRequest, 2))
          .append(" | ")
          .append(fixed(r.ours.generatorCpuMicrosPerRequest, 2))
          .append(r.redis == null ? "" : " / " + fixed(r.redis.generatorCpuMicrosPerRequest, 2))
          .append(" |\n");
    }
    return sb.toString();
  }

  private static String latencies(Stats s) {
    return fixed(s.p50Micros, 1) + " / " + fixed(s.p99Micros, 1) + " / " + fixed(s.p999Micros, 1);
  }

  /** 61.2k, 1.23M: three significant figures are all a noisy machine supports. */
  static String rate(double v) {
    if (v >= 1e6) {
      return fixed(v / 1e6, 2) + "M";
    }
    if (v >= 1e3) {
      return fixed(v / 1e3, v >= 1e5 ? 0 : 1) + "k";
    }
    return fixed(v, 0);
  }

  static String fixed(double v, int decimals) {
    return String.format(Locale.ROOT, "%." + decimals + "f", v);
  }

  /** A grouped bar chart of ops/s per cell: ours beside Redis. Self-contained SVG, no scripts. */
  static String svg(List<Row> rows, String subtitle) {
    int group = 64;
    int left = 64;
    int top = 56;
    int plot = 260;
    int width = left + rows.size() * group + 24;
    int height = top + plot + 64;
    double max = 0;
    for (Row r : rows) {
      max = Math.max(max, r.ours.opsPerSec);
      if (r.redis != null) {
        max = Math.max(max, r.redis.opsPerSec);
      }
    }
    double scale = niceCeiling(max);
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                + "font-family=\"sans-serif\" font-size=\"11\">\n",
            width,
            height,
            width,
            height));
    sb.append(
        String.format(
            Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", width, height));
    sb.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"18\" font-size=\"14\" font-weight=\"bold\">Operations per second per cell "
                + "(higher is better)</text>\n",
            left));
    sb.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"34\" fill=\"#555\">%s</text>\n",
            left,
            escape(subtitle)));
    int legendX = width - 230;
    sb.append(
        String.format(
            Locale.ROOT,
            "<rect x=\"%d\" y=\"40\" width=\"10\" height=\"10\" fill=\"#2b6cb0\"/><text x=\"%d\" y=\"49\">ephemeral-broker</text>\n",
            legendX,
            legendX + 14));
    sb.append(
        String.format(
            Locale.ROOT,
            "<rect x=\"%d\" y=\"40\" width=\"10\" height=\"10\" fill=\"#c53030\"/><text x=\"%d\" y=\"49\">redis-server</text>\n",
            legendX + 130,
            legendX + 144));
    for (int i = 0; i <= 4; i++) {
      double v = scale * i / 4;
      int y = top + plot - (int) Math.round(plot * (double) i / 4);
      sb.append(
          String.format(
              Locale.ROOT,
              "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ddd\"/><text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n",
              left,
              y,
              width - 16,
              y,
              left - 6,
              y + 4,
              rate(v)));
    }
    for (int i = 0; i < rows.size(); i++) {
      Row r = rows.get(i);
      int x = left + i * group + 8;
      bar(sb, x, top, plot, scale, r.ours.opsPerSec, "#2b6cb0");
      if (r.redis != null) {
        bar(sb, x + 24, top, plot, scale, r.redis.opsPerSec, "#c53030");
      }
      sb.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text><text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
              x + 22,
              top + plot + 16,
              escape(r.cell.label()),
              x + 22,
              top + plot + 30,
              r.cell.shape()));
    }
    sb.append(
        String.format(
            Locale.ROOT,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n",
            left,
            top + plot,
            width - 16,
            top + plot));
    sb.append("</svg>\n");
    return sb.toString();
  }

  private static void bar(
      StringBuilder sb, int x, int top, int plot, double scale, double value, String color) {
    int h = (int) Math.round(plot * Math.min(1, value / scale));
    int y = top + plot - h;
    sb.append(
        String.format(
            Locale.ROOT,
            "<rect x=\"%d\" y=\"%d\" width=\"20\" height=\"%d\" fill=\"%s\"><title>%s</title></rect>"
                + "<text x=\"%d\" y=\"%d\" font-size=\"8\" text-anchor=\"middle\">%s</text>\n",
            x,
            y,
            h,
            color,
            rate(value),
            x + 10,
            y - 3,
            rate(value)));
  }

  /** 1, 2 or 5 times a power of ten, at least {@code v}. */
  static double niceCeiling(double v) {
    if (v <= 0) {
      return 1;
    }
    double p = Math.pow(10, Math.floor(Math.log10(v)));
    for (double m : new double[] {1, 2, 2.5, 5, 10}) {
      if (m * p >= v) {
        return m * p;
      }
    }
    return 10 * p;
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  static List<Row> rows(List<Cell> cells, List<Stats> ours, List<Stats> redis) {
    List<Row> out = new ArrayList<>();
    for (int i = 0; i < cells.size(); i++) {
      out.add(new Row(cells.get(i), ours.get(i), redis.get(i)));
    }
    return out;
  }
}
