package io.ephemeral.bench;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A server under test as a separate process (so its CPU time can be read from {@code /proc}),
 * listening on a Unix socket in a temporary directory. Closing stops it (SIGTERM, then SIGKILL).
 */
final class Server implements AutoCloseable {
  private static final long START_TIMEOUT_MILLIS = 20_000;
  private static volatile long ticksPerSecond;

  final String name;
  final Path socket;
  final Process process;
  private final Path log;

  private Server(String name, Path socket, Process process, Path log) {
    this.name = name;
    this.socket = socket;
    this.process = process;
    this.log = log;
  }

  /**
   * Starts our broker: {@code launcher start --socket <dir>/broker.sock extraArgs…}. The launcher
   * must exec the JVM (bin/ephemeral-broker does), so the process is the broker itself.
   */
  static Server broker(
      List<String> launcher, Path dir, List<String> extraArgs, Map<String, String> env)
      throws IOException {
    Path socket = dir.resolve("broker.sock");
    List<String> cmd = new ArrayList<>(launcher);
    cmd.add("start");
    cmd.add("--socket");
    cmd.add(socket.toString());
    cmd.addAll(extraArgs);
    return start("ephemeral-broker", cmd, socket, dir.resolve("broker.log"), env);
  }

  /** Starts {@code redis-server} without persistence on a Unix socket only. */
  static Server redis(String binary, Path dir) throws IOException {
    return redis(binary, dir, 0);
  }

  /**
   * Starts {@code redis-server} without persistence on a Unix socket and, unless {@code tcpPort} is
   * 0, on that loopback TCP port as well.
   */
  static Server redis(String binary, Path dir, int tcpPort) throws IOException {
    Path socket = dir.resolve("redis.sock");
    List<String> cmd =
        List.of(
            binary,
            "--bind",
            "127.0.0.1",
            "--port",
            Integer.toString(tcpPort),
            "--unixsocket",
            socket.toString(),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            dir.toString());
    return start("redis-server", cmd, socket, dir.resolve("redis.log"), Map.of());
  }

  private static Server start(
      String name, List<String> cmd, Path socket, Path log, Map<String, String> env)
      throws IOException {
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new BenchException(
          "cannot start " + name + " (" + cmd.get(0) + "): " + e.getMessage(), e);
    }
    Server s = new Server(name, socket, p, log);
    long deadline = System.currentTimeMillis() + START_TIMEOUT_MILLIS;
    while (true) {
      if (!p.isAlive()) {
        throw new BenchException(
            name + " exited with status " + p.exitValue() + " while starting:\n" + s.logTail());
      }
      if (Files.exists(socket)) {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
          return s;
        } catch (IOException notYet) {
          // bound but not accepting yet
        }
      }
      if (System.currentTimeMillis() > deadline) {
        s.close();
        throw new BenchException(
            name
                + " did not listen on "
                + socket
                + " within "
                + START_TIMEOUT_MILLIS
                + " ms:\n"
                + s.logTail());
      }
      sleep(20);
    }
  }

  long pid() {
    return process.pid();
  }

  /** utime + stime of the whole process (all threads), in clock ticks, from /proc/<pid>/stat. */
  long cpuTicks() {
    return cpuTicks(pid(), name);
  }

  /** As {@link #cpuTicks()} for any process, e.g. the generator itself. */
  static long cpuTicks(long pid, String name) {
    try {
      String stat =
          Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
      // Fields after the command name, which is in parentheses and may contain spaces.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15 of proc(5)
    } catch (IOException | RuntimeException e) {
      throw new BenchException(
          "cannot read the CPU time of " + name + " (pid " + pid + ") from /proc: " + e, e);
    }
  }

  /** Clock ticks per second of /proc's CPU times (getconf CLK_TCK; 100 on Linux in practice). */
  static long ticksPerSecond() {
    if (ticksPerSecond == 0) {
      long t = 100;
      try {
        Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
        String out =
            new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        if (p.waitFor() == 0) {
          t = Long.parseLong(out);
        }
      } catch (IOException | RuntimeException e) {
        // keep 100
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      ticksPerSecond = t;
    }
    return ticksPerSecond;
  }

  String logTail() {
    return Main.logTail(log);
  }

  /** Stops the server: SIGTERM, up to 10 s for it to exit, then SIGKILL. */
  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BenchException("interrupted");
    }
  }
}
