package io.ephemeral.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * {@code ephemeral-bench store}: the same KV cells against our broker twice, once keeping values
 * and leases in its memory and once in Redis ({@code start --store redis://...}), alternating runs,
 * medians in one table. Redis runs on a loopback TCP port (the Redis client cannot use Unix
 * sockets); clients reach both brokers over their Unix sockets as usual.
 */
final class StoreCompare {
  private static final Set<String> VALUED =
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
          "--broker",
          "--store");

  private StoreCompare() {}

  static int run(String[] argv, PrintStream out) throws IOException {
    Args args = new Args(argv, VALUED, Set.of());
    if (!args.positional().isEmpty()) {
      throw new IllegalArgumentException("unexpected argument " + args.positional().get(0));
    }
    Compare.Settings s = Compare.Settings.from(args, 20_000, 1000);
    int repeat = (int) args.number("--repeat", 3, 1, 99);
    List<Cell> cells = Compare.cells(args);
    List<String> launcher = Main.brokerLauncher(args);
    String storeUri = args.string("--store", null);
    String redisBinary = null;
    if (storeUri == null) {
      String wanted = args.string("--redis-server", "redis-server");
      redisBinary = Main.findExecutable(wanted);
      if (redisBinary == null) {
        throw new Main.MissingToolException(
            "redis-server not found ("
                + wanted
                + "): install it (Debian: "
                + "apt-get install -y redis-server), pass --redis-server PATH, or --store URI of a running Redis");
      }
    }

    Path dir = Main.tempDir();
    List<AutoCloseable> running = new ArrayList<>();
    Thread cleanup = new Thread(() -> Main.closeAll(running));
    Runtime.getRuntime().addShutdownHook(cleanup);
    String loadBefore = Main.loadAverage();
    List<Report.Stats> memory = new ArrayList<>();
    List<Report.Stats> redis = new ArrayList<>();
    try {
      String redisLine;
      if (storeUri == null) {
        Process p = startRedis(redisBinary, dir, running);
        storeUri = "redis://127.0.0.1:" + redisPort + "?prefix=bench";
        redisLine =
            "redis-server (pid " + p.pid() + ") on 127.0.0.1:" + redisPort + ", no persistence";
      } else {
        redisLine = "given store " + storeUri.replaceAll("//[^@/]*@", "//***@");
      }
      Server inMemory =
          Server.broker(launcher, Files.createDirectories(dir.resolve("m")), List.of(), Map.of());
      running.add(inMemory);
      Server onRedis =
          Server.broker(
              launcher,
              Files.createDirectories(dir.resolve("r")),
              List.of("--store", storeUri, "--max-items", "0"),
              Map.of());
      running.add(onRedis);
      out.println("# ephemeral-bench store");
      out.println("machine: " + Main.machine());
      out.println(
          "brokers: "
              + String.join(" ", launcher)
              + " in memory (pid "
              + inMemory.pid()
              + ") and with --store"
              + " (pid "
              + onRedis.pid()
              + "); "
              + redisLine);
      out.println(
          "each run: "
              + (s.requests > 0 ? s.requests + " requests" : s.seconds + " s")
              + " after "
              + s.warmup
              + " warm-up requests; "
              + repeat
              + " runs per cell and broker, medians reported;"
              + " CPU columns are the broker processes only");
      out.flush();
      for (Cell cell : cells) {
        List<Report.Stats> a = new ArrayList<>();
        List<Report.Stats> b = new ArrayList<>();
        for (int r = 1; r <= repeat; r++) {
          a.add(Compare.once(inMemory, Workload.Protocol.KV, cell, s));
          b.add(Compare.once(onRedis, Workload.Protocol.KV, cell, s));
          System.err.println(
              cell
                  + " run "
                  + r
                  + "/"
                  + repeat
                  + ": memory "
                  + Report.rate(a.get(r - 1).opsPerSec)
                  + "/s | redis store "
                  + Report.rate(b.get(r - 1).opsPerSec)
                  + "/s");
        }
        memory.add(Report.Stats.median(a));
        redis.add(Report.Stats.median(b));
      }
    } finally {
      Main.closeAll(running);
      Runtime.getRuntime().removeShutdownHook(cleanup);
      Main.deleteTree(dir);
    }
    String table = Report.table(Report.rows(cells, memory, redis), "memory", "redis store");
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

  private static int redisPort;

  /**
   * redis-server without persistence on a free loopback port; returns once it accepts connections.
   */
  private static Process startRedis(String binary, Path dir, List<AutoCloseable> running)
      throws IOException {
    try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      redisPort = probe.getLocalPort();
    }
    Process p =
        new ProcessBuilder(
                binary,
                "--port",
                Integer.toString(redisPort),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                dir.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("redis.log").toFile())
            .start();
    running.add(
        () -> {
          p.destroy();
          if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
          }
        });
    long deadline = System.currentTimeMillis() + 20_000;
    while (true) {
      if (!p.isAlive()) {
        throw new BenchException(
            "redis-server exited with status "
                + p.exitValue()
                + " while starting (see "
                + dir.resolve("redis.log")
                + ")");
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", redisPort), 200);
        return p;
      } catch (IOException notYet) {
        if (System.currentTimeMillis() > deadline) {
          throw new BenchException(
              "redis-server did not listen on port " + redisPort + " within 20 s");
        }
        Server.sleep(20);
      }
    }
  }
}
