package io.ephemeral.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/*
 * Implementation notes.
 *
 * Whole commands, timed from the tool's fork to their exit (wall clock), as a user meets them:
 * `ephemeral-broker start -- true` (JVM start, broker up, the child run, broker down) and
 * `brokerctl ping` against a running broker, each beside the Node original's same command
 * (@ephemeral-broker/core's bin/broker.js and bin/brokerctl.js, given with --node), another
 * build's two commands (--baseline, for a before/after in the same rounds), and a JVM that prints
 * one line and exits, the floor under both of ours. Both pings ask one broker of
 * ours, started once, so they compare the clients' start.
 *
 * Every command runs once untimed first (that run also records the launchers' class-data
 * archives, see bin/ephemeral-launcher.sh); then the rounds run the commands in turn, A B C A B
 * C ..., so a drift of the machine's speed falls on all of them alike; the table has each
 * command's median, minimum and maximum, and the ratios of the medians.
 */

/** {@code ephemeral-bench startup}: start-up of both launchers beside the Node originals. */
final class Startup {

  private Startup() {}

  /** One command of the table. */
  private record Command(String name, List<String> argv) {}

  static int run(String[] argv, PrintStream out) throws IOException, InterruptedException {
    Args args =
        new Args(
            argv,
            Set.of("--runs", "--broker", "--node", "--java-home", "--profile", "--baseline"),
            Set.of());
    int runs = (int) args.number("--runs", 11, 1, 1000);
    int profiled = (int) args.number("--profile", 0, 0, 1000);
    String root = System.getProperty("ephemeral.bench.root");
    if (root == null) {
      throw new IllegalArgumentException("startup runs through bin/ephemeral-bench");
    }
    Path javaHome = Path.of(args.string("--java-home", System.getProperty("java.home")));
    String nodeDir = args.string("--node", null);
    Path socketDir = Files.createTempDirectory("eph-startup-");
    Path socket = socketDir.resolve("broker.sock");
    Map<String, String> env = Map.of("JAVA_HOME", javaHome.toString());

    List<Command> commands = new ArrayList<>();
    List<String> broker = Main.brokerLauncher(args);
    commands.add(
        new Command("ours: ephemeral-broker start -- true", with(broker, "start", "--", "true")));
    commands.add(
        new Command(
            "ours: brokerctl ping",
            List.of(
                Path.of(root, "bin", "brokerctl").toString(),
                "--pipe",
                socket.toString(),
                "ping")));
    String baseline = args.string("--baseline", null);
    if (baseline != null) {
      Path ctl = Path.of(baseline, "bin", "brokerctl");
      if (!Files.isExecutable(ctl)) {
        throw new Main.MissingToolException(
            "no " + ctl + " (--baseline: an unpacked distribution or a built checkout)");
      }
      commands.add(
          new Command(
              "baseline: ephemeral-broker start -- true",
              List.of(
                  Path.of(baseline, "bin", "ephemeral-broker").toString(), "start", "--", "true")));
      commands.add(
          new Command(
              "baseline: brokerctl ping",
              List.of(ctl.toString(), "--pipe", socket.toString(), "ping")));
    }
    if (nodeDir != null) {
      Path core = Path.of(nodeDir, "node_modules", "@ephemeral-broker", "core", "bin");
      if (!Files.isRegularFile(core.resolve("broker.js"))) {
        throw new Main.MissingToolException(
            "no @ephemeral-broker/core under "
                + nodeDir
                + " (npm install --prefix "
                + nodeDir
                + " @ephemeral-broker/core@1.0.5)");
      }
      commands.add(
          new Command(
              "Node: ephemeral-broker start -- true",
              List.of("node", core.resolve("broker.js").toString(), "start", "--", "true")));
      commands.add(
          new Command(
              "Node: brokerctl ping",
              List.of(
                  "node",
                  core.resolve("brokerctl.js").toString(),
                  "--pipe",
                  socket.toString(),
                  "ping")));
    }
    commands.add(
        new Command(
            "JVM floor: java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 Hello",
            List.of(
                javaHome.resolve("bin/java").toString(),
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                Path.of(Startup.class.getProtectionDomain().getCodeSource().getLocation().getPath())
                    .toString(),
                Hello.class.getName())));

    String loadBefore = Main.loadAverage();
    Process server =
        new ProcessBuilder(with(broker, "start", "--socket", socket.toString()))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    Map<String, double[]> millis = new LinkedHashMap<>();
    Map<String, Path> profiles = new LinkedHashMap<>();
    try {
      awaitSocket(socket, server);
      for (Command c : commands) {
        time(c, env); // untimed: warms the page cache and records the class-data archives
        millis.put(c.name(), new double[runs]);
      }
      for (int r = 0; r < runs; r++) {
        for (Command c : commands) {
          millis.get(c.name())[r] = time(c, env);
        }
      }
      if (profiled > 0) {
        String jar = Startup.class.getProtectionDomain().getCodeSource().getLocation().getPath();
        for (Command c : commands.subList(0, 2)) { // ours
          Path file = Files.createTempFile("eph-startup-profile", ".txt");
          Map<String, String> withAgent = new java.util.HashMap<>(env);
          withAgent.put("EPHEMERAL_JAVA_OPTS", "-javaagent:" + jar + "=" + file);
          for (int r = 0; r < profiled; r++) {
            time(c, withAgent);
          }
          profiles.put(c.name(), file);
        }
      }
    } finally {
      server.destroy();
      server.waitFor();
      Files.deleteIfExists(socket);
      Files.deleteIfExists(socketDir);
    }

    out.println("# ephemeral-bench startup");
    out.println("machine: " + Main.machine());
    out.println("java: " + javaHome + " (the launchers run it: JAVA_HOME)");
    out.println(
        runs
            + " rounds after one untimed run of each, commands in turn; wall time from fork to"
            + " exit, ms");
    out.println();
    out.println("| command | median | min | max |");
    out.println("|---|---:|---:|---:|");
    Map<String, Double> medians = new LinkedHashMap<>();
    for (Map.Entry<String, double[]> e : millis.entrySet()) {
      double[] sorted = e.getValue().clone();
      Arrays.sort(sorted);
      double median = Report.median(e.getValue());
      medians.put(e.getKey(), median);
      out.println(
          "| `"
              + e.getKey()
              + "` | "
              + Report.fixed(median, 0)
              + " | "
              + Report.fixed(sorted[0], 0)
              + " | "
              + Report.fixed(sorted[sorted.length - 1], 0)
              + " |");
    }
    if (nodeDir != null) {
      out.println();
      ratio(out, medians, "Node", "ephemeral-broker start -- true");
      ratio(out, medians, "Node", "brokerctl ping");
    }
    if (baseline != null) {
      out.println("baseline: " + baseline);
      ratio(out, medians, "baseline", "ephemeral-broker start -- true");
      ratio(out, medians, "baseline", "brokerctl ping");
    }
    out.println();
    out.println("load average before " + loadBefore + ", after " + Main.loadAverage());
    for (Map.Entry<String, Path> p : profiles.entrySet()) {
      StartupProfile.print(p.getKey() + ", " + profiled + " runs", p.getValue(), out);
      Files.delete(p.getValue());
    }
    return 0;
  }

  private static void ratio(
      PrintStream out, Map<String, Double> medians, String other, String command) {
    double ours = medians.get("ours: " + command);
    double theirs = medians.get(other + ": " + command);
    out.println(
        "ours/"
            + other
            + ", "
            + command
            + ": "
            + Report.fixed(ours / theirs, 2)
            + " ("
            + Report.fixed(ours, 0)
            + " ms / "
            + Report.fixed(theirs, 0)
            + " ms)");
  }

  private static List<String> with(List<String> launcher, String... more) {
    List<String> all = new ArrayList<>(launcher);
    all.addAll(List.of(more));
    return all;
  }

  /** Runs {@code c} to its end; its wall time in ms. A failing command fails the measurement. */
  private static double time(Command c, Map<String, String> env)
      throws IOException, InterruptedException {
    ProcessBuilder builder =
        new ProcessBuilder(c.argv())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    builder.environment().putAll(env);
    long t0 = System.nanoTime();
    Process p = builder.start();
    int status = p.waitFor();
    double ms = (System.nanoTime() - t0) / 1e6;
    if (status != 0) {
      throw new BenchException(String.join(" ", c.argv()) + " exited with status " + status);
    }
    return ms;
  }

  private static void awaitSocket(Path socket, Process server) throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!Files.exists(socket)) {
      if (!server.isAlive() || System.nanoTime() > deadline) {
        throw new BenchException("the broker did not start on " + socket);
      }
      Thread.sleep(10);
    }
  }

  /** The JVM floor: start, print one line, exit. */
  static final class Hello {
    private Hello() {}

    public static void main(String[] args) {
      System.out.println("hello");
    }
  }
}
