package io.ephemeral.bench;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code ephemeral-bench}: the broker beside redis-server over the real socket, plus the GC, memory
 * and start-up checks and the JMH microbenchmarks. Exit status: 0 done; 1 a failed measurement (an
 * error answer, an answer out of order, a server that died); 2 usage; 3 a tool it needs is missing.
 */
public final class Main {
  static final String USAGE =
      String.join(
          "\n",
          "usage: ephemeral-bench [compare] [options]   our broker beside redis-server, one table",
          "       ephemeral-bench store [options]       our broker on a Redis store beside the same Redis used directly",
          "       ephemeral-bench gc [options]          longest GC pause of the broker under load",
          "       ephemeral-bench memory [options]      live heap bytes per stored item",
          "       ephemeral-bench startup [options]     start-up of both launchers beside the Node originals",
          "       ephemeral-bench gateway [options]     Java caller -> service gateway -> Java callee (echo)",
          "       ephemeral-bench node-peers [options]  ipc-bro's own performance tests: our gateway beside the original",
          "       ephemeral-bench soak [options]        mixed load for minutes; fails if broker heap or fds grow",
          "       ephemeral-bench pressure [options]    many clients past the memory budget of a small heap;",
          "                                             fails if a request goes unanswered or the broker stops",
          "       ephemeral-bench jmh [JMH options]     microbenchmarks of the hot paths (-h: JMH's help)",
          "",
          "compare: --seconds S (per run, default 2) | --requests N (per run instead of a duration)",
          "         --warmup N (requests before each measured run, default 50000)   --repeat R (default 3)",
          "         --cells get:1x32,set:8x1,... | --ops ping,get,set,lease --shapes 1x1,8x1,1x32,50x1",
          "         coordination ops: setnx (Redis: SET NX PX), incr (Redis: INCR), compute, barrier,",
          "         acquire, lock (lock+release pairs; Redis: SET NX PX + DEL); e.g. --cells setnx:1x1,...",
          "         --keys K (default 1000)  --value-size B (100)  --ttl MS (60000)  --holders H (10000)",
          "         --markdown FILE  --svg FILE  --redis-server PATH  --no-redis",
          "store:   as compare (cells, --seconds, --repeat, ...), plus --store URI (default: a redis-server started",
          "         on its Unix socket and a free loopback port, --redis-server PATH; the broker on the socket, or on",
          "         the port with --store-over tcp); with --store, Redis itself is not measured as a column",
          "gc:      --seconds S (10)  --cell set:8x1  --gc-log FILE (kept; default a temporary file)",
          "memory:  --items N (1000000)",
          "startup: --runs N (11)  --node DIR (where @ephemeral-broker/core is installed: npm install --prefix DIR",
          "         @ephemeral-broker/core@1.0.5; without it no Node rows)  --java-home DIR (the launchers' Java)",
          "         --profile N (then N more runs of each of ours under a sampling agent: where the start goes)",
          "         --baseline DIR (another build's DIR/bin/ephemeral-broker and DIR/bin/brokerctl in the same rounds)",
          "gateway: --seconds S (2)  --warmup S (1, each run)  --prewarm S (3, each cell once at first)  --repeat R (3)",
          "         --cells small:json:1,small:json:64,10k:msgpack:64,... (PAYLOAD:ENCODING:INFLIGHT)",
          "         --callee process|inside (its own JVM, default; or the tool's)  --callee-java-opts 'OPTS'",
          "         --callee-handlers pool|direct|nonblocking (the callee's handler threads, default; its reader",
          "           thread for every handler; or echo registered with registerNonBlockingMethod)",
          "         --callee-params bytes|tree (echo returns the params' bytes, as the peers' callees do, default;",
          "           or gets and returns a JsonNode tree)",
          "         --busy-poll MICROS (both clients' busyPoll, default 0)",
          "         --caller-callbacks pool|direct (callAsync completed on the callback threads, default; or the reader)",
          "         --peers nats,grpc (the same calls over NATS request/reply and gRPC on a Unix socket)",
          "         --nats-server PATH",
          "         --markdown FILE",
          "node-peers: --tests latency,throughput,concurrent,nested-call,stress  --repeat R (1)  --prewarm N (1)  --node PATH",
          "         --build DIR (default ephemeral-bench/target/node-peers/ipc-bro/build: ephemeral-bench/node-peers/setup.sh)",
          "compare, store, gateway: --busy-host (every run once more beside --busy-processes N (2) CPU-bound processes)",
          "soak:    --seconds S (600)  --csv FILE (soak.csv: second, heap after GC, open fds, requests, reconnects)",
          "         --seed N (1)",
          "pressure: --seconds S (60)  --heap SIZE (64m, the broker's -Xmx)  --seed N (1)",
          "all:     --broker 'CMD ARGS' (default: bin/ephemeral-broker of this repository)");

  private Main() {}

  public static void main(String[] argv) {
    PrintStream out = System.out;
    String mode = argv.length > 0 && !argv[0].startsWith("-") ? argv[0] : "compare";
    String[] rest =
        argv.length > 0 && !argv[0].startsWith("-")
            ? Arrays.copyOfRange(argv, 1, argv.length)
            : argv;
    if (Arrays.asList(argv).contains("--help") && !mode.equals("jmh")) {
      out.println(USAGE);
      return;
    }
    int status;
    try {
      switch (mode) {
        case "compare":
          status = Compare.run(rest, out);
          break;
        case "store":
          status = StoreCompare.run(rest, out);
          break;
        case "gc":
          status = Checks.gc(rest, out);
          break;
        case "memory":
          status = Checks.memory(rest, out);
          break;
        case "startup":
          status = Startup.run(rest, out);
          break;
        case "gateway":
          status = GatewayBench.run(rest, out);
          break;
        case "node-peers":
          status = NodePeers.run(rest, out);
          break;
        case "soak":
          status = Soak.run(rest, out);
          break;
        case "pressure":
          status = Pressure.run(rest, out);
          break;
        case "jmh":
          org.openjdk.jmh.Main.main(rest);
          return;
        default:
          throw new IllegalArgumentException("unknown mode '" + mode + "'");
      }
    } catch (IllegalArgumentException e) {
      System.err.println("ephemeral-bench: " + e.getMessage());
      System.err.println(USAGE);
      status = 2;
    } catch (MissingToolException e) {
      System.err.println("ephemeral-bench: " + e.getMessage());
      status = 3;
    } catch (BenchException e) {
      System.err.println("ephemeral-bench: FAILED: " + e.getMessage());
      status = 1;
    } catch (Exception e) {
      System.err.println("ephemeral-bench: FAILED: " + e);
      e.printStackTrace();
      status = 1;
    }
    System.exit(status);
  }

  /** A program the tool needs is not installed. */
  static final class MissingToolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    MissingToolException(String message) {
      super(message);
    }
  }

  /**
   * The broker's launcher: --broker, else bin/ephemeral-broker under the repository the launcher
   * ran from.
   */
  static List<String> brokerLauncher(Args args) {
    String given = args.string("--broker", null);
    if (given != null) {
      return Arrays.asList(given.trim().split("\\s+"));
    }
    String root = System.getProperty("ephemeral.bench.root");
    if (root == null) {
      throw new IllegalArgumentException(
          "--broker is required when not started through bin/ephemeral-bench");
    }
    Path launcher = Path.of(root, "bin", "ephemeral-broker");
    if (!Files.isExecutable(launcher)) {
      throw new MissingToolException(launcher + " is missing or not executable");
    }
    if (!Files.exists(Path.of(root, "ephemeral-cli", "target", "ephemeral-broker.jar"))) {
      throw new MissingToolException("the broker is not built: run mvn -q -DskipTests package");
    }
    return List.of(launcher.toString());
  }

  /**
   * The redis-server to run: {@code --redis-server PATH}, else the one on the PATH; a missing one
   * is a {@link MissingToolException} that also names {@code otherwise}, the mode's way round.
   */
  static String redisServer(Args args, String otherwise) {
    String wanted = args.string("--redis-server", "redis-server");
    String binary = findExecutable(wanted);
    if (binary == null) {
      throw new MissingToolException(
          "redis-server not found ("
              + wanted
              + "): install it (Debian: apt-get install -y redis-server), pass --redis-server"
              + " PATH, or "
              + otherwise);
    }
    return binary;
  }

  /** The last 20 lines of a log file, for an error message. */
  static String logTail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** An executable on the PATH (or the path itself when it contains a slash), or null. */
  static String findExecutable(String name) {
    if (name.contains("/")) {
      return Files.isExecutable(Path.of(name)) ? name : null;
    }
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String dir : path.split(File.pathSeparator)) {
      Path p = Path.of(dir.isEmpty() ? "." : dir, name);
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    return null;
  }

  /** Closes each, last first, ignoring failures (at exit). */
  static void closeAll(List<? extends AutoCloseable> open) {
    for (int i = open.size() - 1; i >= 0; i--) {
      try {
        open.get(i).close();
      } catch (Exception ignored) {
        // best effort at exit
      }
    }
    open.clear();
  }

  static Path tempDir() throws IOException {
    // Short: a Unix socket path must stay under 108 bytes.
    return Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "eb-");
  }

  static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a leftover temporary directory is harmless
    }
  }

  /** Cores, CPU model and load average, for the report header. */
  /** The first lines of a report: the command, the machine, and the broker's launcher and more. */
  static void header(PrintStream out, String command, List<String> launcher, String broker) {
    out.println("# ephemeral-bench " + command);
    out.println("machine: " + machine());
    out.println("broker: " + String.join(" ", launcher) + broker);
  }

  static String machine() {
    String model = "unknown CPU";
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8)) {
        if (line.startsWith("model name")) {
          model = line.substring(line.indexOf(':') + 1).trim();
          break;
        }
      }
    } catch (IOException ignored) {
      // not Linux: keep "unknown CPU"
    }
    return Runtime.getRuntime().availableProcessors()
        + " cores, "
        + model
        + ", "
        + System.getProperty("os.name")
        + " "
        + System.getProperty("os.version")
        + ", load average "
        + loadAverage();
  }

  static String loadAverage() {
    try {
      String[] f =
          Files.readString(Path.of("/proc/loadavg"), StandardCharsets.US_ASCII).trim().split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }
}
