package io.ephemeral.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ephemeral.client.service.Serializer;
import io.ephemeral.client.service.ServiceClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * {@code ephemeral-bench gateway}: Java caller → the broker's service gateway → Java callee over
 * the real socket. The broker runs in its own JVM (its CPU read from {@code /proc}); the callee
 * ({@code echo}, which returns its params) in a JVM of its own by default, or inside the tool's JVM
 * beside the caller. Each cell runs {@code --repeat} times (all cells once per round), each run a
 * warm-up then a fixed duration; the table shows medians. Every answer must equal the params that
 * were sent, or the tool stops with status 1.
 */
final class GatewayBench {
  private static final Set<String> VALUED =
      Set.of(
          "--seconds",
          "--warmup",
          "--prewarm",
          "--repeat",
          "--cells",
          "--callee",
          "--callee-handlers",
          "--caller-callbacks",
          "--callee-java-opts",
          "--busy-poll",
          "--markdown",
          "--broker");
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final long CALLEE_START_MILLIS = 30_000;

  /** How long each run warms up and measures. */
  static final class Timing {
    final long warmupNanos;
    final long measureNanos;

    Timing(double warmupSeconds, double measureSeconds) {
      this.warmupNanos = (long) (warmupSeconds * 1e9);
      this.measureNanos = (long) (measureSeconds * 1e9);
    }
  }

  private GatewayBench() {}

  static int run(String[] argv, PrintStream out) throws IOException {
    Args args = new Args(argv, VALUED, Set.of());
    if (!args.positional().isEmpty()) {
      throw new IllegalArgumentException("unexpected argument " + args.positional().get(0));
    }
    double seconds = args.decimal("--seconds", 2, 0.1, 3600);
    double warmup = args.decimal("--warmup", 1, 0, 3600);
    double prewarm = args.decimal("--prewarm", 3, 0, 3600);
    int repeat = (int) args.number("--repeat", 3, 1, 99);
    List<GatewayCell> cells =
        GatewayCell.parseAll(args.string("--cells", String.join(",", GatewayCell.DEFAULTS)));
    boolean calleeApart = calleeApart(args.string("--callee", "process"));
    String handlers = args.string("--callee-handlers", "pool");
    boolean direct = directHandlers(handlers);
    boolean nonBlocking = nonBlockingHandlers(handlers);
    long busyPollMicros = args.number("--busy-poll", 0, 0, 1_000_000);
    boolean directCallbacks = directCallbacks(args.string("--caller-callbacks", "pool"));
    List<String> calleeOpts = splitOpts(args.string("--callee-java-opts", ""));
    List<String> launcher = Main.brokerLauncher(args);
    Timing timing = new Timing(warmup, seconds);

    Path dir = Main.tempDir();
    List<AutoCloseable> open = new ArrayList<>(); // closed in reverse order
    Thread cleanup = new Thread(() -> closeAll(open));
    Runtime.getRuntime().addShutdownHook(cleanup);
    String loadBefore = Main.loadAverage();
    List<GatewayReport.Row> rows = new ArrayList<>();
    String brokerLine;
    String calleeLine;
    try {
      Server broker = Server.broker(launcher, dir, List.of(), Map.of());
      open.add(broker);
      brokerLine = String.join(" ", launcher) + " start --socket … (pid " + broker.pid() + ")";
      CalleeProcess calleeProcess = null;
      if (calleeApart) {
        calleeProcess =
            CalleeProcess.start(broker.socket, dir, calleeOpts, handlers, busyPollMicros);
        open.add(calleeProcess);
        calleeLine = "a JVM of its own (pid " + calleeProcess.pid() + ")";
      } else {
        for (Serializer s : serializers(cells)) {
          open.add(GatewayCallee.start(broker.socket, s, direct, nonBlocking, busyPollMicros));
        }
        calleeLine = "inside the tool's JVM";
      }
      calleeLine +=
          direct
              ? ", handlers on its reader thread (--callee-handlers direct)"
              : nonBlocking
                  ? ", echo registered non-blocking, run on its reader thread (--callee-handlers nonblocking)"
                  : ", handlers on the client's default handler pool";
      String pollLine =
          busyPollMicros > 0
              ? "; busyPoll " + busyPollMicros + " µs in both clients (--busy-poll)"
              : "";
      Map<Serializer, ServiceClient> callers = new EnumMap<>(Serializer.class);
      for (Serializer s : serializers(cells)) {
        ServiceClient.Builder b =
            ServiceClient.builder()
                .serviceName("bench-caller-" + s.name().toLowerCase(java.util.Locale.ROOT))
                .gateway(broker.socket)
                .serializer(s)
                .busyPoll(java.time.Duration.ofNanos(busyPollMicros * 1000))
                .autoReconnect(false);
        if (directCallbacks) {
          b.callbackExecutor(Runnable::run);
        }
        ServiceClient caller = b.build();
        open.add(caller);
        caller.connect();
        callers.put(s, caller);
      }
      out.println("# ephemeral-bench gateway");
      out.println("machine: " + Main.machine());
      out.println(
          "broker: "
              + brokerLine
              + "; callee: "
              + calleeLine
              + "; caller: the tool's JVM, "
              + (directCallbacks
                  ? "callAsync completed on its reader thread (--caller-callbacks direct)"
                  : "callAsync completed on the client's default callback pool")
              + pollLine);
      out.println(
          "each run: "
              + warmup
              + " s warm-up, then "
              + seconds
              + " s measured; "
              + repeat
              + " runs per cell (in rounds over the cells, after "
              + prewarm
              + " s of unmeasured calls per cell for the"
              + " three JVMs' compilers), medians reported");
      out.flush();
      if (prewarm > 0) {
        Timing first = new Timing(prewarm, 0.1);
        for (GatewayCell cell : cells) {
          System.err.println(
              cell
                  + " warming up: "
                  + Report.rate(
                      once(callers.get(cell.serializer), broker, calleeProcess, cell, first)
                          .callsPerSec)
                  + " calls/s");
        }
      }
      List<List<GatewayReport.Stats>> runs = new ArrayList<>();
      cells.forEach(c -> runs.add(new ArrayList<>()));
      for (int r = 1; r <= repeat; r++) {
        for (int i = 0; i < cells.size(); i++) {
          GatewayCell cell = cells.get(i);
          GatewayReport.Stats st =
              once(callers.get(cell.serializer), broker, calleeProcess, cell, timing);
          runs.get(i).add(st);
          System.err.println(cell + " run " + r + "/" + repeat + ": " + st.brief());
        }
      }
      for (int i = 0; i < cells.size(); i++) {
        rows.add(new GatewayReport.Row(cells.get(i), GatewayReport.Stats.median(runs.get(i))));
      }
    } finally {
      closeAll(open);
      Runtime.getRuntime().removeShutdownHook(cleanup);
      Main.deleteTree(dir);
    }
    String table = GatewayReport.table(rows, calleeApart);
    out.println();
    out.print(table);
    out.println();
    for (String v : GatewayReport.verdicts(rows)) {
      out.println(v);
    }
    out.println("load average before " + loadBefore + ", after " + Main.loadAverage());
    String md = args.string("--markdown", null);
    if (md != null) {
      Files.writeString(Path.of(md), table, StandardCharsets.UTF_8);
    }
    return 0;
  }

  static boolean calleeApart(String where) {
    switch (where) {
      case "process":
        return true;
      case "inside":
        return false;
      default:
        throw new IllegalArgumentException(
            "--callee is 'process' (a JVM of its own) or 'inside' (the tool's JVM), got '"
                + where
                + "'");
    }
  }

  /** Whether {@code --callee-handlers} gives the callee {@code handlerExecutor(Runnable::run)}. */
  static boolean directHandlers(String how) {
    switch (how) {
      case "pool":
      case "nonblocking":
        return false;
      case "direct":
        return true;
      default:
        throw new IllegalArgumentException(
            "--callee-handlers is 'pool' (the client's default handler threads),"
                + " 'direct' (every handler on the reader thread) or 'nonblocking' (echo registered with"
                + " registerNonBlockingMethod), got '"
                + how
                + "'");
    }
  }

  /** Whether {@code --callee-handlers} registers echo with {@code registerNonBlockingMethod}. */
  static boolean nonBlockingHandlers(String how) {
    return !directHandlers(how) && how.equals("nonblocking");
  }

  static boolean directCallbacks(String how) {
    switch (how) {
      case "pool":
        return false;
      case "direct":
        return true;
      default:
        throw new IllegalArgumentException(
            "--caller-callbacks is 'pool' (the client's default callback threads) or"
                + " 'direct' (the reader thread), got '"
                + how
                + "'");
    }
  }

  private static List<Serializer> serializers(List<GatewayCell> cells) {
    List<Serializer> out = new ArrayList<>();
    for (GatewayCell c : cells) {
      if (!out.contains(c.serializer)) {
        out.add(c.serializer);
      }
    }
    return out;
  }

  private static void closeAll(List<AutoCloseable> open) {
    for (int i = open.size() - 1; i >= 0; i--) {
      try {
        open.get(i).close();
      } catch (Exception ignored) {
        // best effort at exit
      }
    }
    open.clear();
  }

  // ---- one run ----

  /** The params of call {@code n}: {@code {"n": n, "text": filler}}, unique per call. */
  static ObjectNode params(long n, String filler) {
    ObjectNode o = NODES.objectNode();
    o.put("n", n);
    o.put("text", filler);
    return o;
  }

  /**
   * The string carried by each call: a short word for the small payload, else that many ASCII
   * letters.
   */
  static String filler(int bytes) {
    if (bytes == 0) {
      return "ping";
    }
    char[] c = new char[bytes];
    for (int i = 0; i < bytes; i++) {
      c[i] = (char) ('a' + i % 26);
    }
    return new String(c);
  }

  /**
   * Throws unless the echo answered exactly what was sent: the same two members, the same number
   * (whatever integer width the decoder chose) and the same string.
   */
  static void check(JsonNode sent, JsonNode answer) {
    if (!sameParams(sent, answer)) {
      String got = answer == null ? "null" : answer.toString();
      throw new BenchException(
          "echo answered something else than was sent: call n="
              + sent.get("n")
              + ", answer "
              + (got.length() > 200 ? got.substring(0, 200) + "…" : got));
    }
  }

  static boolean sameParams(JsonNode sent, JsonNode answer) {
    if (answer == null || !answer.isObject() || answer.size() != 2) {
      return false;
    }
    JsonNode n = answer.get("n");
    JsonNode text = answer.get("text");
    return n != null
        && n.isIntegralNumber()
        && n.canConvertToLong()
        && n.longValue() == sent.get("n").longValue()
        && text != null
        && text.isTextual()
        && text.textValue().equals(sent.get("text").textValue());
  }

  static GatewayReport.Stats once(
      ServiceClient caller, Server broker, CalleeProcess callee, GatewayCell cell, Timing timing) {
    String target = GatewayCallee.serviceName(cell.serializer);
    String filler = filler(cell.payloadBytes);
    return cell.inFlight == 1
        ? sequential(caller, target, filler, broker, callee, timing)
        : window(caller, target, filler, cell.inFlight, broker, callee, timing);
  }

  /** CPU clock ticks of the broker, the tool's JVM and the callee's JVM (0 when inside). */
  private static long[] cpu(Server broker, CalleeProcess callee) {
    return new long[] {
      broker.cpuTicks(),
      Server.cpuTicks(ProcessHandle.current().pid(), "ephemeral-bench"),
      callee == null ? 0 : Server.cpuTicks(callee.pid(), "the callee")
    };
  }

  private static GatewayReport.Stats stats(
      Histogram h, long nanos, long[] cpu0, long[] cpu1, boolean calleeApart) {
    long calls = h.getTotalCount();
    if (calls == 0) {
      throw new BenchException("no call completed in the measured phase");
    }
    double perCall = 1e6 / Server.ticksPerSecond() / calls;
    return new GatewayReport.Stats(
        calls / (nanos / 1e9),
        h.getValueAtPercentile(50) / 1000.0,
        h.getValueAtPercentile(99) / 1000.0,
        h.getValueAtPercentile(99.9) / 1000.0,
        (cpu1[0] - cpu0[0]) * perCall,
        (cpu1[1] - cpu0[1]) * perCall,
        calleeApart ? (cpu1[2] - cpu0[2]) * perCall : Double.NaN);
  }

  /** One call at a time with the blocking {@code call}. */
  private static GatewayReport.Stats sequential(
      ServiceClient caller,
      String target,
      String filler,
      Server broker,
      CalleeProcess callee,
      Timing timing) {
    long n = 0;
    long warmEnd = System.nanoTime() + timing.warmupNanos;
    while (System.nanoTime() < warmEnd) {
      ObjectNode p = params(n++, filler);
      check(p, caller.call(target, GatewayCallee.METHOD, p, JsonNode.class));
    }
    Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    long[] cpu0 = cpu(broker, callee);
    long t0 = System.nanoTime();
    long end = t0 + timing.measureNanos;
    long t1;
    while (true) {
      ObjectNode p = params(n++, filler);
      long s = System.nanoTime();
      JsonNode answer = caller.call(target, GatewayCallee.METHOD, p, JsonNode.class);
      t1 = System.nanoTime();
      h.recordValue(t1 - s);
      check(p, answer);
      if (t1 >= end) {
        break;
      }
    }
    long[] cpu1 = cpu(broker, callee);
    return stats(h, t1 - t0, cpu0, cpu1, callee != null);
  }

  /**
   * {@code inFlight} lanes of {@code callAsync}: each answer (completed on the client's callback
   * executor) checks itself, records its latency and starts the lane's next call. Calls that
   * complete between the two histogram swaps are the measured ones.
   */
  private static GatewayReport.Stats window(
      ServiceClient caller,
      String target,
      String filler,
      int inFlight,
      Server broker,
      CalleeProcess callee,
      Timing timing) {
    Window w = new Window(caller, target, filler, inFlight);
    for (int i = 0; i < inFlight; i++) {
      w.launch();
    }
    sleepNanos(timing.warmupNanos);
    w.failIfFailed();
    w.recorder.reset();
    long[] cpu0 = cpu(broker, callee);
    long t0 = System.nanoTime();
    sleepNanos(timing.measureNanos);
    Histogram h = w.recorder.getIntervalHistogram();
    long t1 = System.nanoTime();
    long[] cpu1 = cpu(broker, callee);
    w.stop = true;
    try {
      if (!w.drained.await(60, TimeUnit.SECONDS)) {
        throw new BenchException(
            w.drained.getCount()
                + " of "
                + inFlight
                + " calls still unanswered 60 s after the run");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BenchException("interrupted");
    }
    w.failIfFailed();
    return stats(h, t1 - t0, cpu0, cpu1, callee != null);
  }

  private static final class Window {
    final ServiceClient caller;
    final String target;
    final String filler;
    final Recorder recorder = new Recorder(TimeUnit.SECONDS.toNanos(60), 3);
    final AtomicLong next = new AtomicLong();
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    final CountDownLatch drained;
    volatile boolean stop;

    Window(ServiceClient caller, String target, String filler, int inFlight) {
      this.caller = caller;
      this.target = target;
      this.filler = filler;
      this.drained = new CountDownLatch(inFlight);
    }

    void launch() {
      ObjectNode p = params(next.getAndIncrement(), filler);
      long s = System.nanoTime();
      caller
          .callAsync(target, GatewayCallee.METHOD, p, JsonNode.class)
          .whenComplete((answer, error) -> done(p, s, answer, error));
    }

    private void done(ObjectNode sent, long started, JsonNode answer, Throwable error) {
      long now = System.nanoTime();
      try {
        if (error != null) {
          throw new BenchException("call n=" + sent.get("n") + " failed: " + error, error);
        }
        recorder.recordValue(Math.min(now - started, TimeUnit.SECONDS.toNanos(60)));
        check(sent, answer);
      } catch (Throwable t) {
        failure.compareAndSet(null, t);
      }
      if (stop || failure.get() != null) {
        drained.countDown();
        return;
      }
      try {
        launch();
      } catch (Throwable t) {
        failure.compareAndSet(null, t);
        drained.countDown();
      }
    }

    void failIfFailed() {
      Throwable t = failure.get();
      if (t instanceof BenchException) {
        throw (BenchException) t;
      }
      if (t != null) {
        throw new BenchException(t.toString(), t);
      }
    }
  }

  private static void sleepNanos(long nanos) {
    try {
      TimeUnit.NANOSECONDS.sleep(nanos);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BenchException("interrupted");
    }
  }

  // ---- the callee's JVM ----

  /** {@link GatewayCallee#main} in a JVM of its own; closing its standard input stops it. */
  static final class CalleeProcess implements AutoCloseable {
    final Process process;
    private final Path log;

    private CalleeProcess(Process process, Path log) {
      this.process = process;
      this.log = log;
    }

    static CalleeProcess start(
        Path socket, Path dir, List<String> javaOpts, String handlers, long busyPollMicros)
        throws IOException {
      Path java = Path.of(System.getProperty("java.home"), "bin", "java");
      List<String> cmd = new ArrayList<>(List.of(java.toString(), "-XX:+UseSerialGC"));
      cmd.addAll(javaOpts);
      cmd.addAll(List.of("-cp", ownClassPath(), GatewayCallee.class.getName(), socket.toString()));
      cmd.add(handlers);
      cmd.add(Long.toString(busyPollMicros));
      Path log = dir.resolve("callee.log");
      Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
      CalleeProcess c = new CalleeProcess(p, log);
      BufferedReader in =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      // The JVM may print lines of its own (-XX:StartFlightRecording does); wait for ours, then
      // keep draining the pipe so that the callee never blocks on it.
      CountDownLatch ready = new CountDownLatch(1);
      Thread reader =
          new Thread(
              () -> {
                try {
                  String line;
                  while ((line = in.readLine()) != null) {
                    if (line.equals(GatewayCallee.READY)) {
                      ready.countDown();
                    }
                  }
                } catch (IOException e) {
                  // the callee is gone; the wait below says so
                }
              },
              "callee-stdout");
      reader.setDaemon(true);
      reader.start();
      boolean up;
      try {
        up = ready.await(CALLEE_START_MILLIS, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        up = false;
      }
      if (!up) {
        c.close();
        throw new BenchException(
            "the callee JVM did not register within "
                + CALLEE_START_MILLIS
                + " ms ("
                + String.join(" ", cmd)
                + "):\n"
                + c.logTail());
      }
      return c;
    }

    private static String ownClassPath() {
      try {
        return Path.of(
                GatewayBench.class.getProtectionDomain().getCodeSource().getLocation().toURI())
            .toString();
      } catch (URISyntaxException | RuntimeException e) {
        return System.getProperty("java.class.path");
      }
    }

    long pid() {
      return process.pid();
    }

    String logTail() {
      try {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
      } catch (IOException e) {
        return "(no log: " + e.getMessage() + ")";
      }
    }

    @Override
    public void close() {
      try {
        process.getOutputStream().close();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (IOException e) {
        process.destroyForcibly();
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  static List<String> splitOpts(String opts) {
    return opts.isBlank() ? List.of() : Arrays.asList(opts.trim().split("\\s+"));
  }
}
