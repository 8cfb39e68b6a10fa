package io.ephemeral.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ephemeral.client.service.Serializer;
import io.ephemeral.client.service.ServiceClient;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * {@code ephemeral-bench gateway}: Java caller → the broker's service gateway → Java callee over
 * the real socket, and with {@code --peers nats,grpc} the same calls over NATS request/reply and
 * gRPC on a Unix socket ({@link GatewayPeers}), alternating in one run. The broker (and
 * nats-server) run in processes of their own, their CPU read from {@code /proc}; each system's
 * callee ({@code echo}, which returns its params) in a JVM of its own by default (ours may run
 * inside the tool's JVM beside the caller). Each cell runs {@code --repeat} times (all cells and
 * systems once per round), each run a warm-up then a fixed duration; the tables show medians. Every
 * answer must equal the params that were sent, or the tool stops with status 1.
 *
 * <p>{@code --busy-host} runs every cell once more per round beside CPU-bound processes ({@link
 * BusyHost}) and reports what each system keeps of its quiet rate.
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
          "--callee-params",
          "--caller-callbacks",
          "--callee-java-opts",
          "--busy-poll",
          "--peers",
          "--nats-server",
          "--busy-processes",
          "--markdown",
          "--broker");
  private static final Set<String> FLAGS = Set.of("--busy-host");
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  static final String OURS = "ours";

  /**
   * One system under test (ours or a peer): how to call it for a cell, and the CPU of its
   * processes.
   */
  private static final class Contender implements AutoCloseable {
    final String label;

    /** The process between caller and callee ("broker", "nats-server"), or null. */
    final String middle;

    final Function<GatewayCell, GatewayLoad.EchoCaller> callers;
    final GatewayLoad.CpuMeter cpu;
    final boolean calleeApart;
    final List<AutoCloseable> parts = new ArrayList<>();

    Contender(
        String label,
        String middle,
        Function<GatewayCell, GatewayLoad.EchoCaller> callers,
        GatewayLoad.CpuMeter cpu,
        boolean calleeApart) {
      this.label = label;
      this.middle = middle;
      this.callers = callers;
      this.cpu = cpu;
      this.calleeApart = calleeApart;
    }

    @Override
    public void close() {
      Main.closeAll(parts);
    }
  }

  private GatewayBench() {}

  static int run(String[] argv, PrintStream out) throws IOException {
    Args args = new Args(argv, VALUED, FLAGS);
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
    String paramsForm = args.string("--callee-params", "bytes");
    boolean treeParams = treeParams(paramsForm);
    long busyPollMicros = args.number("--busy-poll", 0, 0, 1_000_000);
    boolean directCallbacks = directCallbacks(args.string("--caller-callbacks", "pool"));
    List<String> calleeOpts = splitOpts(args.string("--callee-java-opts", ""));
    List<String> peers = GatewayPeers.parse(args.string("--peers", ""));
    if (!peers.isEmpty() && cells.stream().anyMatch(c -> c.proxy)) {
      throw new IllegalArgumentException(
          "proxy cells compare our typed proxy with our call; leave --peers out for them");
    }
    boolean busyHost = args.flag("--busy-host");
    int busyProcesses = (int) args.number("--busy-processes", 2, 1, 64);
    String natsBinary = null;
    if (peers.contains(GatewayPeers.NATS)) {
      String wanted = args.string("--nats-server", "nats-server");
      natsBinary = Main.findExecutable(wanted);
      if (natsBinary == null) {
        throw new Main.MissingToolException(
            "nats-server not found ("
                + wanted
                + "): install it (Debian: apt-get install -y nats-server), pass --nats-server"
                + " PATH, or leave nats out of --peers");
      }
    }
    List<String> launcher = Main.brokerLauncher(args);
    GatewayLoad.Timing timing = new GatewayLoad.Timing(warmup, seconds);

    Workspace workspace = new Workspace();
    Path dir = workspace.dir;
    String loadBefore = Main.loadAverage();
    List<Contender> systems = new ArrayList<>();
    List<List<GatewayReport.Stats>> medians = new ArrayList<>(); // [system][cell]
    BusyHost busy = null;
    BusyHost.Results busyRuns = null;
    try {
      Server broker = Server.broker(launcher, dir, List.of(), Map.of());
      workspace.add(broker);
      String brokerLine =
          String.join(" ", launcher) + " start --socket … (pid " + broker.pid() + ")";
      ChildJvm callee = null;
      List<AutoCloseable> ourParts = new ArrayList<>();
      String calleeLine;
      if (calleeApart) {
        callee =
            ChildJvm.start(
                GatewayCallee.class,
                calleeOpts,
                List.of(
                    broker.socket.toString(), handlers, Long.toString(busyPollMicros), paramsForm),
                dir.resolve("callee.log"));
        ourParts.add(callee);
        calleeLine = "a JVM of its own (pid " + callee.pid() + ")";
      } else {
        for (Serializer s : serializers(cells)) {
          ourParts.add(
              GatewayCallee.start(
                  broker.socket, s, direct, nonBlocking, busyPollMicros, treeParams));
        }
        calleeLine = "inside the tool's JVM";
      }
      calleeLine +=
          direct
              ? ", handlers on its reader thread (--callee-handlers direct)"
              : nonBlocking
                  ? ", echo registered non-blocking, run on its reader thread (--callee-handlers nonblocking)"
                  : ", handlers on the client's default handler pool";
      calleeLine +=
          treeParams
              ? "; echo gets and returns a JsonNode tree (--callee-params tree)"
              : "; echo gets and returns the params' bytes (Params)";
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
        ourParts.add(caller);
        caller.connect();
        callers.put(s, caller);
      }
      long tool = ProcessHandle.current().pid();
      ChildJvm ourCallee = callee;
      Contender ours =
          new Contender(
              OURS,
              "broker",
              cell ->
                  cell.proxy
                      ? GatewayEcho.proxyCaller(callers.get(cell.serializer), cell)
                      : ourCaller(callers.get(cell.serializer), cell),
              GatewayLoad.meter(
                  broker::cpuTicks,
                  () -> Server.cpuTicks(tool, "ephemeral-bench"),
                  () -> ourCallee == null ? 0 : Server.cpuTicks(ourCallee.pid(), "the callee")),
              calleeApart);
      ours.parts.addAll(ourParts);
      systems.add(ours);
      workspace.add(ours);
      out.println("# ephemeral-bench gateway");
      out.println("machine: " + Main.machine());
      out.println(
          "ours: broker "
              + brokerLine
              + "; callee: "
              + calleeLine
              + "; caller: the tool's JVM, "
              + (directCallbacks
                  ? "callAsync completed on its reader thread (--caller-callbacks direct)"
                  : "callAsync completed on the client's default callback pool")
              + pollLine);
      for (String peer : peers) {
        Contender sys = startPeer(peer, natsBinary, dir, tool, out);
        systems.add(sys);
        workspace.add(sys);
      }
      if (busyHost) {
        busy = BusyHost.start(busyProcesses, dir);
        workspace.add(busy);
        busyRuns = new BusyHost.Results(cells.size(), systems.size());
        out.println(busy.describe());
      }
      out.println(
          "each run: "
              + warmup
              + " s warm-up, then "
              + seconds
              + " s measured; "
              + repeat
              + " runs per cell and system (in rounds over the cells, systems alternating, after "
              + prewarm
              + " s of unmeasured calls per cell and system for the JVMs' compilers), medians"
              + " reported");
      out.flush();
      if (prewarm > 0) {
        GatewayLoad.Timing first = new GatewayLoad.Timing(prewarm, 0.1);
        for (GatewayCell cell : cells) {
          for (Contender sys : systems) {
            // Not a measurement: a cold system may complete no call in its short last phase.
            GatewayLoad.Run run =
                GatewayLoad.run(sys.callers.apply(cell), cell.inFlight, first, sys.cpu, () -> {});
            System.err.println(
                sys.label
                    + " "
                    + cell
                    + " warming up: "
                    + Report.rate(run.calls() / (run.nanos() / 1e9))
                    + " calls/s");
          }
        }
      }
      List<List<List<GatewayReport.Stats>>> runs = new ArrayList<>(); // [system][cell][run]
      for (int i = 0; i < systems.size(); i++) {
        List<List<GatewayReport.Stats>> perCell = new ArrayList<>();
        cells.forEach(c -> perCell.add(new ArrayList<>()));
        runs.add(perCell);
      }
      for (int r = 1; r <= repeat; r++) {
        for (int c = 0; c < cells.size(); c++) {
          GatewayCell cell = cells.get(c);
          for (int i = 0; i < systems.size(); i++) {
            Contender sys = systems.get(i);
            GatewayReport.Stats st = once(sys, cell, timing, () -> {});
            runs.get(i).get(c).add(st);
            String line = sys.label + " " + cell + " run " + r + "/" + repeat + ": " + st.brief();
            if (busy != null) {
              double[] x = busy.measure(at -> once(sys, cell, timing, at).callsPerSec);
              busyRuns.add(c, i, x);
              line +=
                  "; busy host: "
                      + Report.rate(x[0])
                      + " calls/s, background work "
                      + Report.fixed(100 * x[1], 0)
                      + " % of alone";
            }
            System.err.println(line);
          }
        }
      }
      for (List<List<GatewayReport.Stats>> perCell : runs) {
        List<GatewayReport.Stats> m = new ArrayList<>();
        perCell.forEach(x -> m.add(GatewayReport.Stats.median(x)));
        medians.add(m);
      }
    } finally {
      workspace.close();
    }
    StringBuilder tables = new StringBuilder();
    for (int s = 0; s < systems.size(); s++) {
      Contender sys = systems.get(s);
      List<GatewayReport.Row> rows = new ArrayList<>();
      for (int c = 0; c < cells.size(); c++) {
        rows.add(new GatewayReport.Row(cells.get(c), medians.get(s).get(c)));
      }
      String table = GatewayReport.table(rows, sys.calleeApart, sys.middle);
      String heading = systems.size() > 1 ? sys.label + ":\n\n" : "";
      tables.append(s > 0 ? "\n" : "").append(heading).append(table);
      out.println();
      out.print(heading + table);
      if (s == 0) {
        out.println();
        for (String v : GatewayReport.verdicts(rows)) {
          out.println(v);
        }
      }
    }
    List<String> labels = new ArrayList<>();
    systems.forEach(x -> labels.add(x.label));
    if (systems.size() > 1) {
      titledTable(
          out,
          tables,
          "side by side (CPU: every process of the system, µs per call):",
          GatewayReport.comparison(cells, labels, medians));
    }
    if (busyRuns != null) {
      List<String> cellLabels = new ArrayList<>();
      cells.forEach(c -> cellLabels.add(c.toString()));
      double[][] quiet = new double[cells.size()][systems.size()];
      for (int c = 0; c < cells.size(); c++) {
        for (int i = 0; i < systems.size(); i++) {
          quiet[c][i] = medians.get(i).get(c).callsPerSec;
        }
      }
      titledTable(
          out,
          tables,
          "busy host (calls/s quiet and beside the CPU-bound processes):",
          busyRuns.table(cellLabels, labels, quiet));
    }
    out.println();
    out.println("load average before " + loadBefore + ", after " + Main.loadAverage());
    String md = args.string("--markdown", null);
    if (md != null) {
      Files.writeString(Path.of(md), tables.toString(), StandardCharsets.UTF_8);
    }
    return 0;
  }

  /** Prints {@code table} under {@code title} and adds it to the report's {@code tables}. */
  private static void titledTable(
      PrintStream out, StringBuilder tables, String title, String table) {
    out.println();
    out.println(title);
    out.println();
    out.print(table);
    tables.append("\n").append(table);
  }

  /** Starts a peer's middle process (NATS), its callee JVM and the caller's connection. */
  private static Contender startPeer(
      String peer, String natsBinary, Path dir, long tool, PrintStream out) throws IOException {
    List<AutoCloseable> parts = new ArrayList<>();
    try {
      Contender sys;
      if (peer.equals(GatewayPeers.NATS)) {
        GatewayPeers.NatsServer nats = GatewayPeers.NatsServer.start(natsBinary, dir);
        parts.add(nats);
        ChildJvm callee = peerCallee(GatewayPeers.NATS, nats.url(), dir);
        parts.add(callee);
        io.nats.client.Connection nc = GatewayPeers.natsConnect(nats.url());
        parts.add(nc::close);
        sys =
            new Contender(
                "NATS",
                "nats-server",
                cell -> GatewayPeers.natsCaller(nc, codec(cell)),
                GatewayLoad.meter(
                    () -> Server.cpuTicks(nats.pid(), "nats-server"),
                    () -> Server.cpuTicks(tool, "ephemeral-bench"),
                    () -> Server.cpuTicks(callee.pid(), "the NATS callee")),
                true);
        out.println(
            "NATS: nats-server "
                + natsVersion(natsBinary)
                + " on 127.0.0.1:"
                + nats.port
                + " (pid "
                + nats.pid()
                + "), jnats with default options; callee: a JVM of its own (pid "
                + callee.pid()
                + "), a dispatcher that publishes each request's bytes to its reply subject");
      } else {
        Path socket = dir.resolve("grpc.sock");
        ChildJvm callee = peerCallee(GatewayPeers.GRPC, socket.toString(), dir);
        parts.add(callee);
        GatewayPeers.GrpcChannel ch = new GatewayPeers.GrpcChannel(socket);
        parts.add(ch);
        sys =
            new Contender(
                "gRPC",
                null,
                cell -> GatewayPeers.grpcCaller(ch, codec(cell)),
                GatewayLoad.meter(
                    () -> 0,
                    () -> Server.cpuTicks(tool, "ephemeral-bench"),
                    () -> Server.cpuTicks(callee.pid(), "the gRPC callee")),
                true);
        out.println(
            "gRPC: grpc-java (Netty epoll) over a Unix socket, direct executor on both sides, byte"
                + " messages; callee: a JVM of its own (pid "
                + callee.pid()
                + ") answering each request with its bytes; no process in between");
      }
      sys.parts.addAll(parts);
      return sys;
    } catch (IOException | RuntimeException e) {
      Main.closeAll(parts);
      throw e;
    }
  }

  /** A peer's callee ({@link GatewayPeers#main}) in a JVM of its own. */
  private static ChildJvm peerCallee(String peer, String where, Path dir) throws IOException {
    return ChildJvm.start(
        GatewayPeers.class, List.of(), List.of(peer, where), dir.resolve(peer + "-callee.log"));
  }

  private static GatewayPeers.Codec codec(GatewayCell cell) {
    return new GatewayPeers.Codec(cell.serializer, filler(cell.payloadBytes));
  }

  /** Our caller: the default {@code call}/{@code callAsync} with a JsonNode tree as params. */
  private static GatewayLoad.EchoCaller ourCaller(ServiceClient caller, GatewayCell cell) {
    String target = GatewayCallee.serviceName(cell.serializer);
    String filler = filler(cell.payloadBytes);
    return new GatewayLoad.EchoCaller() {
      @Override
      public void call(long n) {
        ObjectNode p = params(n, filler);
        check(p, caller.call(target, GatewayCallee.METHOD, p, JsonNode.class));
      }

      @Override
      public CompletableFuture<?> callAsync(long n) {
        ObjectNode p = params(n, filler);
        return caller
            .callAsync(target, GatewayCallee.METHOD, p, JsonNode.class)
            .thenApply(
                answer -> {
                  check(p, answer);
                  return answer;
                });
      }
    };
  }

  private static GatewayReport.Stats once(
      Contender sys, GatewayCell cell, GatewayLoad.Timing timing, Runnable atStart) {
    GatewayLoad.Run run =
        GatewayLoad.run(sys.callers.apply(cell), cell.inFlight, timing, sys.cpu, atStart);
    return stats(run, sys.calleeApart, sys.middle != null);
  }

  private static GatewayReport.Stats stats(
      GatewayLoad.Run run, boolean calleeApart, boolean hasMiddle) {
    long calls = run.calls();
    if (calls == 0) {
      throw new BenchException("no call completed in the measured phase");
    }
    double perCall = 1e6 / Server.ticksPerSecond() / calls;
    long[] a = run.cpuBefore();
    long[] b = run.cpuAfter();
    return new GatewayReport.Stats(
        calls / (run.nanos() / 1e9),
        run.latencies().getValueAtPercentile(50) / 1000.0,
        run.latencies().getValueAtPercentile(99) / 1000.0,
        run.latencies().getValueAtPercentile(99.9) / 1000.0,
        hasMiddle ? (b[0] - a[0]) * perCall : Double.NaN,
        (b[1] - a[1]) * perCall,
        calleeApart ? (b[2] - a[2]) * perCall : Double.NaN);
  }

  private static String natsVersion(String binary) {
    try {
      Process p = new ProcessBuilder(binary, "--version").redirectErrorStream(true).start();
      String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      p.waitFor();
      return v.replace("nats-server: ", "");
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  static boolean calleeApart(String where) {
    return Args.isFirstOf(
        "--callee", where, "process", "a JVM of its own", "inside", "the tool's JVM");
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

  /**
   * Whether {@code --callee-params} makes echo a {@code MethodHandler} of {@code JsonNode} trees
   * ({@code tree}) rather than a {@code CallHandler} of the frame's bytes ({@code bytes}).
   */
  static boolean treeParams(String form) {
    return !Args.isFirstOf(
        "--callee-params",
        form,
        "bytes",
        "echo returns the params' bytes, as the peers' callees do",
        "tree",
        "echo gets and returns a JsonNode");
  }

  /** Whether {@code --callee-handlers} registers echo with {@code registerNonBlockingMethod}. */
  static boolean nonBlockingHandlers(String how) {
    return !directHandlers(how) && how.equals("nonblocking");
  }

  static boolean directCallbacks(String how) {
    return !Args.isFirstOf(
        "--caller-callbacks",
        how,
        "pool",
        "the client's default callback threads",
        "direct",
        "the reader thread");
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

  static List<String> splitOpts(String opts) {
    return opts.isBlank() ? List.of() : Arrays.asList(opts.trim().split("\\s+"));
  }
}
