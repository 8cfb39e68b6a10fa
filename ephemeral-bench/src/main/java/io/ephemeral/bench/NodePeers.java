package io.ephemeral.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * {@code ephemeral-bench node-peers}: ipc-bro's own performance tests (latency, throughput,
 * concurrent, nested calls, stress), Node clients on both ends, once through our broker's gateway
 * with its default options and once through the original Node gateway (ipc-bro's {@code IPCServer},
 * a Node process of its own as our broker is), alternating. {@code
 * ephemeral-bench/node-peers/setup.sh} fetches and compiles the tests first; {@code run-test.js}
 * runs one test against a gateway that is already listening, changing nothing in the test but where
 * its clients connect.
 */
final class NodePeers {
  static final List<String> TESTS =
      List.of("latency", "throughput", "concurrent", "nested-call", "stress");
  private static final Set<String> VALUED =
      Set.of("--build", "--tests", "--repeat", "--node", "--markdown", "--broker", "--prewarm");
  private static final long TEST_TIMEOUT_MINUTES = 20;

  /** One benchmark of a test (a test may run several) on one gateway. */
  record Result(String name, double callsPerSec, long calls, long failed, double avgMillis) {}

  private NodePeers() {}

  static int run(String[] argv, PrintStream out) throws IOException {
    Args args = new Args(argv, VALUED, Set.of());
    if (!args.positional().isEmpty()) {
      throw new IllegalArgumentException("unexpected argument " + args.positional().get(0));
    }
    List<String> tests = new ArrayList<>();
    for (String t : Args.list(args.string("--tests", String.join(",", TESTS)))) {
      if (!TESTS.contains(t)) {
        throw new IllegalArgumentException(
            "unknown test '" + t + "' (" + String.join(", ", TESTS) + ")");
      }
      tests.add(t);
    }
    int repeat = (int) args.number("--repeat", 1, 1, 99);
    // Unmeasured runs of the throughput test (100,000 calls) on each gateway first: our broker is
    // a fresh JVM whose compiler would otherwise work through the first measured test.
    int prewarm = (int) args.number("--prewarm", 1, 0, 99);
    String node = Main.findExecutable(args.string("--node", "node"));
    if (node == null) {
      throw new Main.MissingToolException(
          "node not found: install it (Debian: apt-get install -y nodejs npm) or pass --node PATH");
    }
    String root = System.getProperty("ephemeral.bench.root", ".");
    Path scripts = Path.of(root, "ephemeral-bench", "node-peers");
    Path build =
        Path.of(
            args.string(
                "--build",
                Path.of(root, "ephemeral-bench", "target", "node-peers", "ipc-bro", "build")
                    .toString()));
    if (!Files.isDirectory(build.resolve("ipc-test").resolve("performance"))) {
      throw new Main.MissingToolException(
          "ipc-bro's performance tests are not set up in "
              + build
              + ": run ephemeral-bench/node-peers/setup.sh first (it fetches ipc-bro, which is not"
              + " on npm, and compiles it)");
    }
    List<String> launcher = Main.brokerLauncher(args);

    Workspace workspace = new Workspace();
    Path dir = workspace.dir;
    String loadBefore = Main.loadAverage();
    // by benchmark name: the runs on ours and on the original
    Map<String, List<Result>> ours = new LinkedHashMap<>();
    Map<String, List<Result>> original = new LinkedHashMap<>();
    try {
      Server broker = Server.broker(launcher, dir, List.of(), Map.of());
      workspace.add(broker);
      Path originalSocket = dir.resolve("original.sock");
      Process gateway =
          new ProcessBuilder(
                  node,
                  scripts.resolve("original-gateway.js").toString(),
                  build.toString(),
                  originalSocket.toString())
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("original.log").toFile())
              .start();
      workspace.add(
          () -> {
            gateway.getOutputStream().close();
            if (!gateway.waitFor(10, TimeUnit.SECONDS)) {
              gateway.destroyForcibly();
            }
          });
      awaitSocket(gateway, originalSocket, dir.resolve("original.log"));
      out.println("# ephemeral-bench node-peers");
      out.println("machine: " + Main.machine() + ", " + version(node));
      out.println(
          "ours: "
              + String.join(" ", launcher)
              + " start --socket … (pid "
              + broker.pid()
              + "), default options; original: ipc-bro's IPCServer as its tests configure it, in"
              + " a Node process of its own (pid "
              + gateway.pid()
              + ")");
      out.println(
          "tests: ipc-bro's own "
              + String.join(", ", tests)
              + " (their clients in one Node process per run); "
              + repeat
              + " run(s) each, ours and the original alternating; medians reported");
      out.println(
          "warm-up: "
              + prewarm
              + " unmeasured run(s) of the throughput test on each gateway first (--prewarm)");
      out.flush();
      for (int w = 0; w < prewarm; w++) {
        runTest(node, scripts, build, "throughput", broker.socket, dir);
        runTest(node, scripts, build, "throughput", originalSocket, dir);
      }
      for (int r = 1; r <= repeat; r++) {
        for (String test : tests) {
          for (boolean oursFirst : new boolean[] {r % 2 == 1, r % 2 == 0}) {
            boolean isOurs = oursFirst;
            Path socket = isOurs ? broker.socket : originalSocket;
            List<Result> results = runTest(node, scripts, build, test, socket, dir);
            for (Result res : results) {
              (isOurs ? ours : original)
                  .computeIfAbsent(res.name(), k -> new ArrayList<>())
                  .add(res);
              System.err.println(
                  (isOurs ? "ours " : "original ")
                      + res.name()
                      + " run "
                      + r
                      + "/"
                      + repeat
                      + ": "
                      + Report.rate(res.callsPerSec())
                      + " calls/s, "
                      + res.failed()
                      + " failed");
            }
          }
        }
      }
    } finally {
      workspace.close();
    }
    String table = table(ours, original);
    out.println();
    out.print(table);
    out.println();
    out.println("load average before " + loadBefore + ", after " + Main.loadAverage());
    String md = args.string("--markdown", null);
    if (md != null) {
      Files.writeString(Path.of(md), table, StandardCharsets.UTF_8);
    }
    return 0;
  }

  static String table(Map<String, List<Result>> ours, Map<String, List<Result>> original) {
    StringBuilder sb =
        new StringBuilder(
            "| ipc-bro test | calls | ours calls/s | original calls/s | ours/original |"
                + " ours failed | original failed | ours avg ms | original avg ms |\n"
                + "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Map.Entry<String, List<Result>> e : ours.entrySet()) {
      List<Result> a = e.getValue();
      List<Result> b = original.getOrDefault(e.getKey(), List.of());
      double rateA = Report.median(a.stream().mapToDouble(Result::callsPerSec).toArray());
      double rateB = Report.median(b.stream().mapToDouble(Result::callsPerSec).toArray());
      sb.append("| ")
          .append(e.getKey())
          .append(" | ")
          .append(a.get(0).calls())
          .append(" | ")
          .append(Report.rate(rateA))
          .append(" | ")
          .append(b.isEmpty() ? "–" : Report.rate(rateB))
          .append(" | ")
          .append(b.isEmpty() ? "–" : Report.fixed(rateA / rateB, 2))
          .append(" | ")
          .append(a.stream().mapToLong(Result::failed).max().orElse(0))
          .append(" | ")
          .append(b.isEmpty() ? "–" : b.stream().mapToLong(Result::failed).max().orElse(0))
          .append(" | ")
          .append(
              Report.fixed(Report.median(a.stream().mapToDouble(Result::avgMillis).toArray()), 2))
          .append(" | ")
          .append(
              b.isEmpty()
                  ? "–"
                  : Report.fixed(
                      Report.median(b.stream().mapToDouble(Result::avgMillis).toArray()), 2))
          .append(" |\n");
    }
    return sb.toString();
  }

  /** Runs one test file in a Node process of its own and reads its benchmarks' results. */
  private static List<Result> runTest(
      String node, Path scripts, Path build, String test, Path socket, Path dir)
      throws IOException {
    Path log = dir.resolve(test + ".log");
    Process p =
        new ProcessBuilder(
                node,
                scripts.resolve("run-test.js").toString(),
                build.toString(),
                test,
                socket.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    try {
      if (!p.waitFor(TEST_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new BenchException(
            "ipc-bro's " + test + " test did not finish in " + TEST_TIMEOUT_MINUTES + " minutes");
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new BenchException("interrupted");
    }
    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
    for (String line : lines) {
      if (line.startsWith("RESULT ")) {
        return parse(new ObjectMapper().readTree(line.substring(7)));
      }
    }
    throw new BenchException(
        "ipc-bro's "
            + test
            + " test ended (status "
            + p.exitValue()
            + ") without a result:\n"
            + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size())));
  }

  /** A test returns one benchmark result, or an object of several ({result1, result2, ...}). */
  static List<Result> parse(JsonNode result) {
    List<Result> out = new ArrayList<>();
    if (result.has("throughput")) {
      out.add(one(result));
    } else {
      for (Iterator<JsonNode> it = result.elements(); it.hasNext(); ) {
        out.add(one(it.next()));
      }
    }
    return out;
  }

  private static Result one(JsonNode r) {
    return new Result(
        r.get("name").asText(),
        r.get("throughput").asDouble(),
        r.get("totalCalls").asLong(),
        r.get("failedCalls").asLong(),
        r.get("avgLatency").asDouble());
  }

  private static void awaitSocket(Process p, Path socket, Path log) {
    long deadline = System.currentTimeMillis() + 20_000;
    while (!Files.exists(socket)) {
      if (!p.isAlive() || System.currentTimeMillis() > deadline) {
        String tail;
        try {
          tail = Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
          tail = "";
        }
        throw new BenchException("the original gateway did not start:\n" + tail);
      }
      Server.sleep(20);
    }
  }

  private static String version(String node) {
    try {
      Process p = new ProcessBuilder(node, "--version").redirectErrorStream(true).start();
      String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      p.waitFor();
      return "Node " + v;
    } catch (IOException e) {
      return "Node";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "Node";
    }
  }
}
