package io.ephemeral.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code ephemeral-bench store}: our broker keeping its values and leases in Redis ({@code start
 * --store redis://...}) beside the same redis-server used directly, alternating runs, medians in
 * one table. The broker reaches Redis on a loopback TCP port; the direct runs use Redis's Unix
 * socket, as the broker's own clients do. Direct gets and sets are Redis's GET and SET ... PX;
 * direct lease+release is the plain Redis lock a user would take instead ({@code SET ... NX PX},
 * then {@code DEL}), which has no pool slots, wait queue or fencing token.
 */
final class StoreCompare {
  private static final Set<String> VALUED =
      Compare.with(Compare.COMPARISON_VALUED, "--store", "--store-over");
  private static final Set<String> FLAGS = Set.of("--busy-host");

  /** The target's cells: get, set and lease+release at 1×1, 8×1 and 1×32. */
  static final String DEFAULT_CELLS =
      "get:1x1,get:8x1,get:1x32,set:1x1,set:8x1,set:1x32,lease:1x1,lease:8x1,lease:1x32";

  private StoreCompare() {}

  static int run(String[] argv, PrintStream out) throws IOException {
    Args args = new Args(argv, VALUED, FLAGS);
    if (!args.positional().isEmpty()) {
      throw new IllegalArgumentException("unexpected argument " + args.positional().get(0));
    }
    Compare.Settings s = Compare.Settings.from(args, 20_000, 1000);
    int repeat = (int) args.number("--repeat", 3, 1, 99);
    List<Cell> cells =
        args.string("--cells", null) == null && args.string("--ops", null) == null
            ? Compare.cells(new Args(new String[] {"--cells", DEFAULT_CELLS}, VALUED, FLAGS))
            : Compare.cells(args);
    List<String> launcher = Main.brokerLauncher(args);
    String storeUri = args.string("--store", null);
    boolean overTcp = overTcp(args.string("--store-over", "unix"));
    String redisBinary =
        storeUri == null ? Main.redisServer(args, "--store URI of a running Redis") : null;

    Workspace workspace = new Workspace();
    Path dir = workspace.dir;
    String loadBefore = Main.loadAverage();
    List<Report.Stats> viaBroker = new ArrayList<>();
    List<Report.Stats> direct = new ArrayList<>();
    BusyHost.Results busyRuns = null;
    try {
      String redisLine;
      Server redis = null;
      if (storeUri == null) {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
          port = probe.getLocalPort();
        }
        redis = Server.redis(redisBinary, Files.createDirectories(dir.resolve("redis")), port);
        workspace.add(redis);
        storeUri =
            overTcp
                ? "redis://127.0.0.1:" + port + "?prefix=bench"
                : "redis-socket://" + redis.socket + "?prefix=bench";
        redisLine =
            "redis-server (pid "
                + redis.pid()
                + (overTcp
                    ? ") on 127.0.0.1:" + port + " for the broker (--store-over tcp) and its Unix"
                    : ") on its Unix socket for the broker and")
                + " socket for the direct runs, no persistence";
      } else {
        redisLine =
            "given store " + storeUri.replaceAll("//[^@/]*@", "//***@") + " (no direct runs)";
      }
      Server broker =
          Server.broker(
              launcher,
              Files.createDirectories(dir.resolve("b")),
              List.of("--store", storeUri, "--max-items", "0"),
              Map.of());
      workspace.add(broker);
      Main.header(
          out, "store", launcher, " start --store … (pid " + broker.pid() + "); " + redisLine);
      BusyHost busy = BusyHost.startIfAsked(args, dir, out);
      if (busy != null) {
        workspace.add(busy);
        busyRuns = new BusyHost.Results(cells.size(), 2);
      }
      out.println(
          s.eachRun()
              + "; "
              + repeat
              + " runs per cell, broker and Redis alternating, medians reported;"
              + " the CPU columns are the broker's and Redis's own");
      out.flush();
      for (int c = 0; c < cells.size(); c++) {
        Cell cell = cells.get(c);
        List<Report.Stats> a = new ArrayList<>();
        List<Report.Stats> b = new ArrayList<>();
        for (int r = 1; r <= repeat; r++) {
          a.add(Compare.once(broker, redis, Workload.Protocol.KV, cell, s, () -> {}, () -> {}));
          String line =
              cell
                  + " run "
                  + r
                  + "/"
                  + repeat
                  + ": redis store "
                  + Report.rate(a.get(r - 1).opsPerSec)
                  + "/s";
          if (redis != null) {
            b.add(Compare.once(redis, Workload.Protocol.RESP, cell, s));
            line += " | Redis direct " + Report.rate(b.get(r - 1).opsPerSec) + "/s";
          }
          if (busy != null) {
            double[] x =
                busy.measure(
                    at -> Compare.once(broker, Workload.Protocol.KV, cell, s, at).opsPerSec);
            busyRuns.add(c, 0, x);
            line += "; busy host: redis store " + Report.rate(x[0]) + "/s";
            if (redis != null) {
              Server rs = redis;
              x =
                  busy.measure(
                      at -> Compare.once(rs, Workload.Protocol.RESP, cell, s, at).opsPerSec);
              busyRuns.add(c, 1, x);
              line += " | Redis direct " + Report.rate(x[0]) + "/s";
            }
          }
          System.err.println(line);
        }
        viaBroker.add(Report.Stats.median(a));
        direct.add(b.isEmpty() ? null : Report.Stats.median(b));
      }
    } finally {
      workspace.close();
    }
    String table =
        Report.table(Report.rows(cells, viaBroker, direct), "redis store", "Redis direct");
    if (direct.stream().anyMatch(d -> d != null)) {
      table += "\n" + redisCpuTable(cells, viaBroker, direct);
    }
    Compare.printTables(
        out,
        args,
        table,
        busyRuns == null
            ? null
            : busyRuns.table(cells, List.of("redis store", "Redis direct"), viaBroker, direct),
        loadBefore);
    return 0;
  }

  /**
   * Redis's own CPU per request through the store (the broker's GET and PTTL for a plain get, a
   * script for the rest) beside the same requests sent to it directly: what the store's commands
   * cost Redis.
   */
  static String redisCpuTable(
      List<Cell> cells, List<Report.Stats> viaBroker, List<Report.Stats> direct) {
    StringBuilder sb =
        new StringBuilder(
            "Redis's own CPU per request, through the store and direct:\n\n"
                + "| op | conns×pipeline | through the store µs/req | direct µs/req | ratio |\n"
                + "|---|---|---:|---:|---:|\n");
    for (int i = 0; i < cells.size(); i++) {
      Report.Stats d = direct.get(i);
      if (d == null) {
        continue;
      }
      double store = viaBroker.get(i).behindCpuMicrosPerRequest;
      sb.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %.2f | %.2f | %.2f |%n",
              cells.get(i).label(),
              cells.get(i).shape(),
              store,
              d.cpuMicrosPerRequest,
              store / d.cpuMicrosPerRequest));
    }
    return sb.toString();
  }

  /** {@code --store-over}: whether the broker reaches the tool's redis-server by TCP. */
  static boolean overTcp(String how) {
    return !Args.isFirstOf(
        "--store-over",
        how,
        "unix",
        "the broker on Redis's Unix socket, as the direct runs",
        "tcp",
        "on its loopback port");
  }
}
