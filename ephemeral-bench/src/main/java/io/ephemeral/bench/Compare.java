package io.ephemeral.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The comparison: both servers started once, each cell run {@code --repeat} times on each,
 * alternating ours and Redis so that noise on a shared machine hits both alike; the table reports
 * medians.
 */
final class Compare {
  /** The options with a value of both comparisons, {@code compare} and {@code store}. */
  static final Set<String> COMPARISON_VALUED =
      Set.of(
          "--seconds",
          "--requests",
          "--warmup",
          "--repeat",
          "--cells",
          "--ops",
          "--shapes",
          "--keys",
          "--value-size",
          "--ttl",
          "--holders",
          "--markdown",
          "--redis-server",
          "--busy-processes",
          "--broker");

  private static final Set<String> VALUED = with(COMPARISON_VALUED, "--svg");
  private static final Set<String> FLAGS = Set.of("--no-redis", "--busy-host");

  /** {@code options} and {@code more}. */
  static Set<String> with(Set<String> options, String... more) {
    Set<String> all = new HashSet<>(options);
    all.addAll(List.of(more));
    return Set.copyOf(all);
  }

  /** What one run needs to know besides the cell. */
  static final class Settings {
    double seconds;
    long requests;
    long warmup;
    int keys;
    int valueSize;
    long ttl;
    int holders;

    /** The report's line on the runs: how long each is and its warm-up. */
    String eachRun() {
      return "each run: "
          + (requests > 0 ? requests + " requests" : seconds + " s")
          + " after "
          + warmup
          + " warm-up requests";
    }

    /**
     * The workload options shared by {@code compare} and {@code store}; only two defaults differ.
     */
    static Settings from(Args args, long defaultWarmup, int defaultHolders) {
      Settings s = new Settings();
      s.requests = args.number("--requests", 0, 0, Long.MAX_VALUE);
      s.seconds = s.requests > 0 ? 0 : args.decimal("--seconds", 2, 0.1, 3600);
      s.warmup = args.number("--warmup", defaultWarmup, 0, Long.MAX_VALUE);
      s.keys = (int) args.number("--keys", 1000, 1, 10_000_000);
      s.valueSize = (int) args.number("--value-size", 100, 8, 1 << 20);
      s.ttl = args.number("--ttl", 60_000, 1, Long.MAX_VALUE);
      s.holders = (int) args.number("--holders", defaultHolders, 0, 10_000_000);
      return s;
    }
  }

  private Compare() {}

  static int run(String[] argv, PrintStream out) throws IOException {
    Args args = new Args(argv, VALUED, FLAGS);
    if (!args.positional().isEmpty()) {
      throw new IllegalArgumentException("unexpected argument " + args.positional().get(0));
    }
    Settings s = Settings.from(args, 50_000, 10_000);
    int repeat = (int) args.number("--repeat", 3, 1, 99);
    List<Cell> cells = cells(args);
    boolean withRedis = !args.flag("--no-redis");
    String redisBinary = withRedis ? Main.redisServer(args, "run with --no-redis") : null;
    List<String> launcher = Main.brokerLauncher(args);

    Workspace workspace = new Workspace();
    Path dir = workspace.dir;
    String loadBefore = Main.loadAverage();
    List<Report.Stats> ours = new ArrayList<>();
    List<Report.Stats> redis = new ArrayList<>();
    BusyHost busy = null;
    BusyHost.Results busyRuns = null;
    try {
      Server broker = Server.broker(launcher, dir, List.of(), Map.of());
      workspace.add(broker);
      Server redisServer = null;
      if (withRedis) {
        redisServer = Server.redis(redisBinary, dir);
        workspace.add(redisServer);
      }
      Main.header(
          out,
          "compare",
          launcher,
          " (pid "
              + broker.pid()
              + ")"
              + (redisServer == null
                  ? ""
                  : "; redis: " + redisVersion(redisBinary) + " (pid " + redisServer.pid() + ")"));
      out.println(s.eachRun() + "; " + repeat + " runs per cell and server, medians reported");
      busy = BusyHost.startIfAsked(args, dir, out);
      if (busy != null) {
        workspace.add(busy);
        busyRuns = new BusyHost.Results(cells.size(), 2);
      }
      out.flush();
      for (int c = 0; c < cells.size(); c++) {
        Cell cell = cells.get(c);
        List<Report.Stats> mine = new ArrayList<>();
        List<Report.Stats> theirs = new ArrayList<>();
        for (int r = 1; r <= repeat; r++) {
          Report.Stats a = once(broker, Workload.Protocol.KV, cell, s);
          mine.add(a);
          Report.Stats b = null;
          // A lease has a Redis counterpart (a plain lock) for the store comparison, not here.
          boolean redisToo =
              redisServer != null && cell.op != Workload.Op.LEASE && cell.op.onRedis();
          if (redisToo) {
            b = once(redisServer, Workload.Protocol.RESP, cell, s);
            theirs.add(b);
          }
          if (busy != null) {
            double[] x =
                busy.measure(at -> once(broker, Workload.Protocol.KV, cell, s, at).opsPerSec);
            busyRuns.add(c, 0, x);
            String line = "; busy host: ours " + Report.rate(x[0]) + "/s";
            if (redisToo) {
              Server rs = redisServer;
              x = busy.measure(at -> once(rs, Workload.Protocol.RESP, cell, s, at).opsPerSec);
              busyRuns.add(c, 1, x);
              line += " | redis " + Report.rate(x[0]) + "/s";
            }
            System.err.println(cell + " run " + r + "/" + repeat + line);
          }
          System.err.println(
              cell
                  + " run "
                  + r
                  + "/"
                  + repeat
                  + ": ours "
                  + brief(a)
                  + (b == null ? "" : " | redis " + brief(b)));
        }
        ours.add(Report.Stats.median(mine));
        redis.add(theirs.isEmpty() ? null : Report.Stats.median(theirs));
      }
    } finally {
      workspace.close();
    }
    List<Report.Row> rows = Report.rows(cells, ours, redis);
    String table = Report.table(rows);
    printTables(
        out,
        args,
        table,
        busyRuns == null ? null : busyRuns.table(cells, List.of("ours", "Redis"), ours, redis),
        loadBefore);
    String svg = args.string("--svg", null);
    if (svg != null) {
      String subtitle =
          "median of "
              + repeat
              + " runs; "
              + Runtime.getRuntime().availableProcessors()
              + " cores; ops/s (lease+release: pairs/s)";
      Files.writeString(Path.of(svg), Report.svg(rows, subtitle), StandardCharsets.UTF_8);
      out.println("chart: " + svg);
    }
    return 0;
  }

  /**
   * The end of a comparison's report: the table of medians, the busy host's table after a run with
   * {@code --busy-host} (else {@code busyTable} is null), the load average before and after; both
   * tables to the {@code --markdown} file if one is named.
   */
  static void printTables(
      PrintStream out, Args args, String table, String busyTable, String loadBefore)
      throws IOException {
    out.println();
    out.print(table);
    out.println();
    String markdown = table;
    if (busyTable != null) {
      out.println("busy host (operations/s quiet and beside the CPU-bound processes):");
      out.println();
      out.print(busyTable);
      out.println();
      markdown += "\n" + busyTable;
    }
    out.println("load average before " + loadBefore + ", after " + Main.loadAverage());
    String md = args.string("--markdown", null);
    if (md != null) {
      Files.writeString(Path.of(md), markdown, StandardCharsets.UTF_8);
    }
  }

  static List<Cell> cells(Args args) {
    String explicit = args.string("--cells", null);
    if (explicit != null) {
      List<Cell> cells = new ArrayList<>();
      for (String c : Args.list(explicit)) {
        cells.add(Cell.parse(c));
      }
      return cells;
    }
    List<Workload.Op> ops = new ArrayList<>();
    for (String o : Args.list(args.string("--ops", "ping,get,set,lease"))) {
      ops.add(Cell.parseOp(o));
    }
    List<int[]> shapes = new ArrayList<>();
    for (String sh : Args.list(args.string("--shapes", "1x1,8x1,1x32,50x1"))) {
      shapes.add(Cell.parseShape(sh));
    }
    return Cell.defaults(ops, shapes);
  }

  /** One measured run of a cell against a server. */
  static Report.Stats once(Server server, Workload.Protocol protocol, Cell cell, Settings s)
      throws IOException {
    return once(server, null, protocol, cell, s, () -> {}, () -> {});
  }

  /** As above, calling {@code atStart} right before the measured phase. */
  static Report.Stats once(
      Server server, Workload.Protocol protocol, Cell cell, Settings s, Runnable atStart) {
    try {
      return once(server, null, protocol, cell, s, atStart, () -> {});
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * As above, calling {@code atStart} and {@code atEnd} right around the measured phase, and also
   * measuring the CPU of {@code behind} over it (the Redis a broker keeps its values in; null for
   * none).
   */
  static Report.Stats once(
      Server server,
      Server behind,
      Workload.Protocol protocol,
      Cell cell,
      Settings s,
      Runnable atStart,
      Runnable atEnd)
      throws IOException {
    int keys = cell.op.pairs() ? Math.max(s.keys, 16 * cell.connections * cell.pipeline) : s.keys;
    Workload w = new Workload(cell.op, protocol, keys, s.valueSize, s.ttl);
    try (LoadGenerator gen = new LoadGenerator(server.socket, w, cell.connections, cell.pipeline)) {
      if (cell.op.readsValues()) {
        byte[][] sets = new byte[keys][];
        for (int i = 0; i < keys; i++) {
          sets[i] = w.set(i);
        }
        gen.preload(sets, Workload.Op.SET);
      } else if (cell.op == Workload.Op.LEASE && s.holders > 0) {
        byte[][] holders = new byte[s.holders][];
        for (int i = 0; i < s.holders; i++) {
          holders[i] = w.lease("h" + i);
        }
        gen.preload(holders, Workload.Op.LEASE);
      }
      gen.warmup(s.warmup);
      atStart.run();
      long self = ProcessHandle.current().pid();
      long cpu0 = server.cpuTicks();
      long behind0 = behind == null ? 0 : behind.cpuTicks();
      long gen0 = Server.cpuTicks(self, "ephemeral-bench");
      LoadGenerator.Result r = gen.measure(s.requests, (long) (s.seconds * 1e9));
      long gen1 = Server.cpuTicks(self, "ephemeral-bench");
      long behind1 = behind == null ? 0 : behind.cpuTicks();
      long cpu1 = server.cpuTicks();
      atEnd.run();
      if (r.requests() == 0) {
        throw new BenchException("no request completed in " + cell);
      }
      double cpuMicros = (cpu1 - cpu0) * 1e6 / Server.ticksPerSecond();
      return new Report.Stats(
          r.requests() / (double) cell.requestsPerOp() / r.seconds(),
          r.latencyNanos().getValueAtPercentile(50) / 1000.0,
          r.latencyNanos().getValueAtPercentile(99) / 1000.0,
          r.latencyNanos().getValueAtPercentile(99.9) / 1000.0,
          cpuMicros / r.requests(),
          (gen1 - gen0) * 1e6 / Server.ticksPerSecond() / r.requests(),
          behind == null
              ? Double.NaN
              : (behind1 - behind0) * 1e6 / Server.ticksPerSecond() / r.requests());
    }
  }

  private static String brief(Report.Stats s) {
    return Report.rate(s.opsPerSec)
        + "/s p50 "
        + Report.fixed(s.p50Micros, 1)
        + " p99 "
        + Report.fixed(s.p99Micros, 1)
        + " µs, cpu "
        + Report.fixed(s.cpuMicrosPerRequest, 2)
        + " µs/req (generator "
        + Report.fixed(s.generatorCpuMicrosPerRequest, 2)
        + ")";
  }

  private static String redisVersion(String binary) {
    try {
      Process p = new ProcessBuilder(binary, "--version").redirectErrorStream(true).start();
      String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      p.waitFor();
      int at = v.indexOf("v=");
      return at < 0
          ? v
          : "redis-server "
              + v.substring(at + 2, v.indexOf(' ', at) < 0 ? v.length() : v.indexOf(' ', at));
    } catch (IOException e) {
      return "redis-server";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "redis-server";
    }
  }
}
