package io.ephemeral.store.redis;

import io.ephemeral.broker.Clock;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real {@code redis-server} for tests, from the PATH, on a free loopback port with its files in a
 * temporary directory; without persistence unless asked for. If redis-server is not installed the
 * tests fail and say so (CI installs it): they never skip.
 */
public final class RedisServer implements AutoCloseable {
  private static final AtomicInteger PREFIXES = new AtomicInteger();

  /** Call timeout of the tests' stores (see {@link #uri}). */
  public static final java.time.Duration TEST_TIMEOUT = java.time.Duration.ofSeconds(10);

  private static RedisServer shared;

  private final String binary;
  private final Path dir;
  private final List<String> extraArgs;

  /** A config file to start with (redis-server wants it as its first argument), or null. */
  private Path configFile;

  private int port;

  /** Certificates to serve TLS with on {@link #tlsPort} besides the plain port, or null. */
  private TlsFiles tls;

  private int tlsPort;
  private Process process;

  private RedisServer(String binary, Path dir, List<String> extraArgs) {
    this.binary = binary;
    this.dir = dir;
    this.extraArgs = extraArgs;
  }

  /**
   * One server for the whole test JVM (suites isolate themselves by key prefix), stopped at exit.
   */
  public static synchronized RedisServer shared() {
    if (shared == null) {
      shared = start();
      RedisServer s = shared;
      Runtime.getRuntime().addShutdownHook(new Thread(s::close, "redis-server-stop"));
    }
    return shared;
  }

  /** A server of its own, without persistence. */
  public static RedisServer start() {
    return start(List.of("--save", "", "--appendonly", "no"));
  }

  /**
   * A server of its own with these extra {@code redis-server} arguments, e.g. append-only
   * persistence with an fsync per write, so that a SIGKILL loses nothing that was acknowledged.
   */
  public static RedisServer start(List<String> args) {
    return start(args, null);
  }

  /**
   * A server without persistence that also serves TLS with {@code tls}'s server certificate on
   * {@link #tlsPort()}; the plain port stays open for checks.
   */
  public static RedisServer startTls(TlsFiles tls) {
    return start(List.of("--save", "", "--appendonly", "no"), tls);
  }

  private static RedisServer start(List<String> args, TlsFiles tls) {
    String binary = find("redis-server");
    if (binary == null) {
      throw new AssertionError(
          "redis-server is not installed (not on the PATH): the Redis store tests need a real"
              + " Redis. Install it (Debian/Ubuntu: apt-get install -y redis-server); .ci/run does this.");
    }
    try {
      RedisServer s =
          new RedisServer(binary, Files.createTempDirectory("eph-redis-"), List.copyOf(args));
      s.tls = tls;
      s.launch(0);
      return s;
    } catch (IOException e) {
      throw new AssertionError("cannot start redis-server: " + e, e);
    }
  }

  /** A Redis Sentinel watching {@code master} under the name {@code masterName} (quorum 1). */
  public static RedisServer sentinel(String masterName, RedisServer master) {
    String binary = find("redis-server");
    if (binary == null) {
      throw new AssertionError("redis-server is not installed (not on the PATH)");
    }
    try {
      Path dir = Files.createTempDirectory("eph-sentinel-");
      RedisServer s = new RedisServer(binary, dir, List.of("--sentinel"));
      s.configFile =
          Files.writeString(
              dir.resolve("sentinel.conf"),
              "sentinel monitor " + masterName + " 127.0.0.1 " + master.port() + " 1\n");
      s.launch(0);
      return s;
    } catch (IOException e) {
      throw new AssertionError("cannot start redis-server --sentinel: " + e, e);
    }
  }

  public int port() {
    return port;
  }

  /** {@code host:port} for {@link RedisStore.Builder#standalone}. */
  public int tlsPort() {
    return tlsPort;
  }

  public String address() {
    return "127.0.0.1:" + port;
  }

  /**
   * A URI for this server. Its call timeout is generous: test machines are often loaded, and tests
   * about timeouts set their own.
   */
  public String uri(String prefix) {
    return "redis://" + address() + "?prefix=" + prefix + "&timeout=" + TEST_TIMEOUT.toMillis();
  }

  /** The server's Unix socket (it listens there as well as on its port). */
  public Path unixSocket() {
    return dir.resolve("redis.sock");
  }

  /** A {@code redis-socket://} URI of {@link #unixSocket}, as {@link #uri} is for the port. */
  public String socketUri(String prefix) {
    return "redis-socket://"
        + unixSocket()
        + "?prefix="
        + prefix
        + "&timeout="
        + TEST_TIMEOUT.toMillis();
  }

  public long pid() {
    return process.pid();
  }

  /** A prefix no other test in this JVM uses. */
  public static String freshPrefix() {
    return "t" + ProcessHandle.current().pid() + "-" + PREFIXES.incrementAndGet();
  }

  /** A store on this server under a fresh prefix, taking its time from {@code clock}. */
  public RedisStore store(Clock clock) {
    return storeBuilder(freshPrefix()).clock(clock).build();
  }

  /** A store on this server under {@code prefix}, e.g. to read what another store wrote there. */
  public RedisStore store(String prefix) {
    return storeBuilder(prefix).build();
  }

  private RedisStore.Builder storeBuilder(String prefix) {
    return RedisStore.builder().standalone(address()).prefix(prefix).timeout(TEST_TIMEOUT);
  }

  /** Sends one command (RESP) and returns the first line of the reply, e.g. "+OK". */
  public String command(String... words) throws IOException {
    StringBuilder req = new StringBuilder("*").append(words.length).append("\r\n");
    for (String w : words) {
      req.append('$')
          .append(w.getBytes(StandardCharsets.UTF_8).length)
          .append("\r\n")
          .append(w)
          .append("\r\n");
    }
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      s.setSoTimeout(5000);
      s.getOutputStream().write(req.toString().getBytes(StandardCharsets.UTF_8));
      InputStream in = s.getInputStream();
      StringBuilder line = new StringBuilder();
      int c;
      while ((c = in.read()) >= 0 && c != '\n') {
        line.append((char) c);
      }
      String first = line.toString().strip();
      if (first.startsWith("$")) { // a bulk string: return its text
        int n = Integer.parseInt(first.substring(1));
        return n < 0 ? null : new String(in.readNBytes(n), StandardCharsets.UTF_8);
      }
      return first;
    }
  }

  /** Kills the server with SIGKILL (no shutdown, no final save) and waits until it is gone. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      throw new AssertionError("redis-server did not die");
    }
  }

  /**
   * Starts the server again on the same port and directory (its data comes back only with
   * persistence).
   */
  public void restart() throws IOException {
    if (process.isAlive()) {
      throw new IllegalStateException("redis-server is still running");
    }
    launch(port);
  }

  private void launch(int wanted) throws IOException {
    IOException last = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      int p = wanted != 0 ? wanted : freePort();
      List<String> cmd = new ArrayList<>(List.of(binary));
      if (configFile != null) {
        cmd.add(configFile.toString());
      }
      cmd.addAll(
          List.of(
              "--port",
              Integer.toString(p),
              "--bind",
              "127.0.0.1",
              "--dir",
              dir.toString(),
              "--daemonize",
              "no",
              "--protected-mode",
              "no",
              "--loglevel",
              "warning"));
      if (configFile == null) { // a sentinel has no data to serve on a socket
        cmd.addAll(List.of("--unixsocket", unixSocket().toString(), "--unixsocketperm", "700"));
      }
      cmd.addAll(extraArgs);
      if (tls != null) {
        tlsPort = freePort();
        cmd.addAll(tls.redisArguments(tlsPort));
      }
      Process proc =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("redis.log").toFile())
              .start();
      if (awaitPong(proc, p)) {
        port = p;
        process = proc;
        return;
      }
      proc.destroyForcibly();
      last = new IOException("redis-server on port " + p + " did not answer PING:\n" + logTail());
      if (wanted != 0) {
        // The port must stay the same (clients reconnect to it): wait for it to be free again.
        sleep(200);
      }
    }
    throw last;
  }

  private static boolean awaitPong(Process proc, int port) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      if (!proc.isAlive()) {
        return false;
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        s.setSoTimeout(1000);
        OutputStream out = s.getOutputStream();
        out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = s.getInputStream();
        byte[] buf = new byte[7];
        int n = in.readNBytes(buf, 0, 7);
        String reply = new String(buf, 0, n, StandardCharsets.US_ASCII);
        if (reply.equals("+PONG\r\n") || reply.startsWith("-NOAUTH")) { // up (a password is set)
          return true;
        }
      } catch (IOException notYet) {
        // not listening yet, or still loading its data (-LOADING)
      }
      sleep(20);
    }
    return false;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private String logTail() {
    try {
      List<String> lines = Files.readAllLines(dir.resolve("redis.log"));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  static String find(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String d : path.split(File.pathSeparator)) {
      Path p = Path.of(d.isEmpty() ? "." : d, name);
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    return null;
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops the server (SIGTERM, then SIGKILL) and deletes its directory. */
  @Override
  public void close() {
    if (process != null && process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    deleteTree(dir);
  }

  /** Deletes {@code dir} and everything in it, as far as it can. */
  static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // nothing left to delete, or nothing this process may delete
    }
  }
}
