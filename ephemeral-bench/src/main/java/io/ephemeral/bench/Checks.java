package io.ephemeral.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The single-figure checks: longest GC pause under load and heap bytes per item. */
final class Checks {
  private static final Pattern PAUSE = Pattern.compile("Pause.*?([0-9]+(?:\\.[0-9]+)?)ms\\s*$");

  private Checks() {}

  /**
   * The broker with -Xlog:gc under one cell of load: GC pauses during the measured run, and over
   * its life.
   */
  static int gc(String[] argv, PrintStream out) throws IOException {
    Args args =
        new Args(argv, Set.of("--seconds", "--cell", "--gc-log", "--broker", "--warmup"), Set.of());
    double seconds = args.decimal("--seconds", 10, 0.1, 3600);
    Cell cell = Cell.parse(args.string("--cell", "set:8x1"));
    long warmup = args.number("--warmup", 200_000, 0, Long.MAX_VALUE);
    List<String> launcher = Main.brokerLauncher(args);
    Path dir = Main.tempDir();
    Path log =
        args.string("--gc-log", null) == null
            ? dir.resolve("gc.log")
            : Path.of(args.string("--gc-log", null)).toAbsolutePath();
    if (log.toString().contains(" ")) {
      throw new IllegalArgumentException(
          "--gc-log must be a path without spaces (it goes into JVM options)");
    }
    String opts =
        (System.getenv().getOrDefault("EPHEMERAL_JAVA_OPTS", "") + " -Xlog:gc:file=" + log).trim();
    Compare.Settings s = new Compare.Settings();
    s.seconds = seconds;
    s.warmup = warmup;
    s.keys = 1000;
    s.valueSize = 100;
    s.ttl = 60_000;
    s.holders = 10_000;
    Report.Stats stats;
    long pid;
    long[] window = new long[2]; // GC log size when the measured phase started and ended
    try (Server broker =
        Server.broker(launcher, dir, List.of(), Map.of("EPHEMERAL_JAVA_OPTS", opts))) {
      pid = broker.pid();
      stats =
          Compare.once(
              broker,
              null,
              Workload.Protocol.KV,
              cell,
              s,
              () -> window[0] = size(log),
              () -> window[1] = size(log));
    }
    // The JVM writes each log line whole as the pause ends, so lines between the two offsets are
    // the pauses that ended during the measured phase.
    byte[] all = Files.readAllBytes(log);
    List<Double> measured =
        pauses(
            new String(
                all, (int) window[0], (int) (window[1] - window[0]), StandardCharsets.UTF_8));
    List<Double> life = pauses(new String(all, StandardCharsets.UTF_8));
    Main.header(out, "gc", launcher, " (pid " + pid + ") with EPHEMERAL_JAVA_OPTS=" + opts);
    out.println(
        "load: "
            + cell
            + " for "
            + seconds
            + " s after "
            + warmup
            + " warm-up requests: "
            + Report.rate(stats.opsPerSec)
            + " ops/s, p50 "
            + Report.fixed(stats.p50Micros, 1)
            + " µs, p99 "
            + Report.fixed(stats.p99Micros, 1)
            + " µs, p999 "
            + Report.fixed(stats.p999Micros, 1)
            + " µs");
    out.println(
        "GC pauses during the measured "
            + seconds
            + " s: "
            + summary(measured)
            + (max(measured) > 1.0 ? "  [over 1 ms]" : "  [none over 1 ms]"));
    out.println(
        "GC pauses over the broker's whole life (start, warm-up, measured run): " + summary(life));
    if (args.string("--gc-log", null) == null) {
      Main.deleteTree(dir);
    } else {
      out.println("GC log: " + log);
    }
    return 0;
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return 0;
    }
  }

  static List<Double> pauses(String gcLog) {
    List<Double> pauses = new ArrayList<>();
    for (String line : gcLog.split("\n")) {
      Matcher m = PAUSE.matcher(line);
      if (m.find()) {
        pauses.add(Double.parseDouble(m.group(1)));
      }
    }
    return pauses;
  }

  private static double max(List<Double> pauses) {
    return pauses.stream().mapToDouble(Double::doubleValue).max().orElse(0);
  }

  private static String summary(List<Double> pauses) {
    double total = pauses.stream().mapToDouble(Double::doubleValue).sum();
    return pauses.size()
        + ", longest "
        + Report.fixed(max(pauses), 3)
        + " ms, total "
        + Report.fixed(total, 3)
        + " ms";
  }

  /**
   * Live heap per item: {@code GC.class_histogram} (which collects first, so it counts only live
   * objects) of the idle broker, then again after loading the items over the socket.
   */
  static int memory(String[] argv, PrintStream out) throws IOException {
    Args args =
        new Args(argv, Set.of("--items", "--broker", "--redis-server"), Set.of("--no-redis"));
    int items = (int) args.number("--items", 1_000_000, 1, 50_000_000);
    List<String> launcher = Main.brokerLauncher(args);
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    if (!Files.isExecutable(jcmd)) {
      throw new Main.MissingToolException(
          "jcmd not found at " + jcmd + ": run the tool on a JDK, not a JRE");
    }
    String redisBinary =
        args.flag("--no-redis") ? null : Main.redisServer(args, "run with --no-redis");
    int keySize = 16;
    int valueSize = 100;
    Path dir = Main.tempDir();
    // The serial collector's full collection may leave up to 5% of the old generation as "dead
    // wood" (unreachable objects turned into filler arrays) that a class histogram counts as
    // objects; with a dead ratio of 0 it compacts fully, so the histogram counts live objects only.
    String opts =
        (System.getenv().getOrDefault("EPHEMERAL_JAVA_OPTS", "") + " -XX:MarkSweepDeadRatio=0")
            .trim();
    out.println("# ephemeral-bench memory");
    out.println("machine: " + Main.machine());
    try {
      long[] brokerRss = new long[3];
      long before;
      long after;
      try (Server broker =
          Server.broker(
              launcher,
              Files.createDirectories(dir.resolve("b")),
              List.of("--max-items", "0"),
              Map.of("EPHEMERAL_JAVA_OPTS", opts))) {
        before = liveHeap(jcmd, broker.pid());
        brokerRss[0] = rssKib(broker.pid());
        load(broker, Workload.Protocol.KV, items, valueSize);
        brokerRss[1] = rssKib(broker.pid());
        after = liveHeap(jcmd, broker.pid());
        brokerRss[2] = rssKib(broker.pid());
        out.println(
            "broker: "
                + String.join(" ", launcher)
                + " start --max-items 0 (pid "
                + broker.pid()
                + ") with EPHEMERAL_JAVA_OPTS="
                + opts);
      }
      double perItem = (after - before) / (double) items;
      out.println(
          "items: "
              + items
              + " (keys "
              + keySize
              + " bytes, values "
              + valueSize
              + " bytes, sent as JSON strings to the broker, as SET ... PX to Redis)");
      out.println(
          "live heap: "
              + before
              + " bytes idle, "
              + after
              + " bytes loaded (jcmd GC.class_histogram totals)");
      out.println(
          "per item: "
              + Report.fixed(perItem, 1)
              + " bytes, of which overhead beyond key and value bytes: "
              + Report.fixed(perItem - keySize - valueSize, 1)
              + " bytes");
      out.println(
          "resident set size of the broker: "
              + brokerRss[0] / 1024
              + " MiB idle, "
              + brokerRss[1] / 1024
              + " MiB loaded ("
              + brokerRss[2] / 1024
              + " MiB after the histogram's full collection); loaded minus idle per item: "
              + Report.fixed((brokerRss[1] - brokerRss[0]) * 1024.0 / items, 1)
              + " bytes");
      if (redisBinary != null) {
        try (Server redis = Server.redis(redisBinary, Files.createDirectories(dir.resolve("r")))) {
          long idle = rssKib(redis.pid());
          load(redis, Workload.Protocol.RESP, items, valueSize);
          long loaded = rssKib(redis.pid());
          out.println(
              "redis-server (pid "
                  + redis.pid()
                  + "): resident set size "
                  + idle / 1024
                  + " MiB idle, "
                  + loaded / 1024
                  + " MiB loaded; loaded minus idle per item: "
                  + Report.fixed((loaded - idle) * 1024.0 / items, 1)
                  + " bytes");
          out.println(
              "broker/Redis: resident set size loaded "
                  + Report.fixed(brokerRss[1] / (double) loaded, 2)
                  + ", per item "
                  + Report.fixed((brokerRss[1] - brokerRss[0]) / (double) (loaded - idle), 2));
        }
      }
    } finally {
      Main.deleteTree(dir);
    }
    return 0;
  }

  /** Stores {@code items} keys {@code key-000000000000} with values of x's, 32 per round trip. */
  private static void load(Server server, Workload.Protocol protocol, int items, int valueSize)
      throws IOException {
    Workload checker = new Workload(Workload.Op.SET, protocol, 1, valueSize, 3_600_000);
    byte[] value = new byte[valueSize];
    Arrays.fill(value, (byte) 'x');
    String v = new String(value, StandardCharsets.US_ASCII);
    try (LoadGenerator gen = new LoadGenerator(server.socket, checker, 1, 32)) {
      int chunk = 100_000;
      for (int from = 0; from < items; from += chunk) {
        int n = Math.min(chunk, items - from);
        byte[][] sets = new byte[n][];
        for (int i = 0; i < n; i++) {
          String key = String.format("key-%012d", from + i);
          sets[i] =
              Workload.ascii(
                  protocol == Workload.Protocol.KV
                      ? "{\"action\":\"set\",\"key\":\""
                          + key
                          + "\",\"value\":\""
                          + v
                          + "\",\"ttl\":3600000}\n"
                      : "*5\r\n$3\r\nSET\r\n$16\r\n"
                          + key
                          + "\r\n$"
                          + valueSize
                          + "\r\n"
                          + v
                          + "\r\n$2\r\nPX\r\n$7\r\n3600000\r\n");
        }
        gen.preload(sets, Workload.Op.SET);
      }
    }
  }

  static long liveHeap(Path jcmd, long pid) throws IOException {
    Process p =
        new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.class_histogram")
            .redirectErrorStream(true)
            .start();
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      p.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BenchException("interrupted");
    }
    return histogramTotal(text);
  }

  /** The byte count of the "Total" line of a class histogram. */
  static long histogramTotal(String histogram) {
    for (String line : histogram.split("\n")) {
      String t = line.trim();
      if (t.startsWith("Total")) {
        String[] f = t.split("\\s+");
        return Long.parseLong(f[f.length - 1]);
      }
    }
    throw new BenchException("jcmd GC.class_histogram gave no Total line:\n" + histogram);
  }

  private static long rssKib(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | RuntimeException ignored) {
      // not Linux
    }
    return 0;
  }
}
