package io.ephemeral.bench;

import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/*
 * Implementation notes.
 *
 * The broker is a separate JVM (Server.broker, with -XX:MarkSweepDeadRatio=0 so that a full
 * collection compacts everything and "heap used" right after it is the live heap). Every second
 * the sampler asks that JVM, through the attach API's local management agent (loopback only),
 * for a full collection and its heap use, counts /proc/PID/fd, and appends a CSV row.
 *
 * The load is THREADS threads, each with CONNECTIONS_PER_THREAD blocking connections: each
 * turn it writes a pipelined batch of random requests (seeded) on every connection, then reads
 * and checks every answer in order. Keys come from a fixed space with TTLs of 1-30 s, so the
 * store churns through expiry as well as deletes; leases are taken and released in pairs;
 * every connection is closed and opened again after a number of turns. Any unexpected answer,
 * or a connection that breaks, fails the run.
 *
 * The verdict compares the first and the last window (a minute, or a third of shorter runs):
 * the last window's largest heap-after-GC may exceed the first's by at most 10% + 1 MiB, and
 * its largest fd count the first's by at most 8.
 */

/**
 * {@code ephemeral-bench soak}: mixed load for minutes, watching the broker's heap and descriptors.
 */
final class Soak {
  private static final int THREADS = 4;
  private static final int CONNECTIONS_PER_THREAD = 8;
  private static final int BATCH = 16;
  private static final int KEYS = 5_000;
  private static final int TURNS_PER_CONNECTION = 500;
  private static final long HEAP_SLACK = 1L << 20;
  private static final double HEAP_RATIO = 1.10;
  private static final long FD_SLACK = 8;

  private Soak() {}

  static int run(String[] argv, PrintStream out) throws Exception {
    Args args = new Args(argv, Set.of("--seconds", "--csv", "--seed", "--broker"), Set.of());
    long seconds = args.number("--seconds", 600, 10, 24 * 3600);
    Path csv = Path.of(args.string("--csv", "soak.csv"));
    long seed = args.number("--seed", 1, Long.MIN_VALUE, Long.MAX_VALUE);
    List<String> launcher = Main.brokerLauncher(args);
    Path dir = Main.tempDir();
    String opts =
        (System.getenv().getOrDefault("EPHEMERAL_JAVA_OPTS", "") + " -XX:MarkSweepDeadRatio=0")
            .trim();
    Main.header(out, "soak", launcher, " start (EPHEMERAL_JAVA_OPTS=" + opts + ")");
    out.println(
        "load: "
            + THREADS
            + " threads x "
            + CONNECTIONS_PER_THREAD
            + " connections, batches of "
            + BATCH
            + " random set/get/del/lease+release/ping over "
            + KEYS
            + " keys (TTL 1-30 s), each connection reopened every "
            + TURNS_PER_CONNECTION
            + " batches; seed "
            + seed
            + "; "
            + seconds
            + " s; samples every second to "
            + csv);
    try (Server broker =
            Server.broker(launcher, dir, List.of(), Map.of("EPHEMERAL_JAVA_OPTS", opts));
        Probe probe = new Probe(broker.pid());
        PrintWriter rows = new PrintWriter(Files.newBufferedWriter(csv, StandardCharsets.UTF_8))) {
      rows.println("second,heap_after_gc_bytes,open_fds,requests,reconnects");
      AtomicLong requests = new AtomicLong();
      AtomicLong reconnects = new AtomicLong();
      AtomicReference<String> failure = new AtomicReference<>();
      // The load runs until the last sample is taken, so every sample is taken under load.
      AtomicBoolean stop = new AtomicBoolean();
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        Random random = new Random(seed * 31 + t);
        int index = t;
        Thread thread =
            new Thread(
                () -> {
                  try {
                    load(broker.socket, index, random, stop, requests, reconnects);
                  } catch (Exception | AssertionError e) {
                    failure.compareAndSet(null, "load thread " + index + ": " + e);
                  }
                },
                "soak-" + t);
        thread.setDaemon(true);
        threads.add(thread);
        thread.start();
      }
      List<long[]> samples = new ArrayList<>();
      long start = System.nanoTime();
      for (long s = 1; s <= seconds && failure.get() == null; s++) {
        long due = start + TimeUnit.SECONDS.toNanos(s);
        long wait = due - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(TimeUnit.NANOSECONDS.toMillis(wait));
        }
        if (!broker.process.isAlive()) {
          throw new BenchException("the broker died:\n" + broker.logTail());
        }
        long[] sample = {s, probe.heapAfterGc(), probe.openFds(), requests.get(), reconnects.get()};
        samples.add(sample);
        rows.println(
            sample[0] + "," + sample[1] + "," + sample[2] + "," + sample[3] + "," + sample[4]);
        rows.flush();
        if (s % 60 == 0) {
          out.printf(
              "%4d s: heap after GC %,d KB, %d fds, %,d requests%n",
              s, sample[1] >> 10, sample[2], sample[3]);
        }
      }
      stop.set(true);
      for (Thread t : threads) {
        t.join(TimeUnit.SECONDS.toMillis(30));
      }
      if (failure.get() != null) {
        throw new BenchException(failure.get());
      }
      return verdict(samples, out);
    } finally {
      Main.deleteTree(dir);
    }
  }

  /** 0 when neither heap nor descriptors trend upward from the first window to the last. */
  static int verdict(List<long[]> samples, PrintStream out) {
    int window = (int) Math.min(60, Math.max(1, samples.size() / 3));
    long firstHeap = max(samples.subList(0, window), 1);
    long lastHeap = max(samples.subList(samples.size() - window, samples.size()), 1);
    long firstFds = max(samples.subList(0, window), 2);
    long lastFds = max(samples.subList(samples.size() - window, samples.size()), 2);
    long requests = samples.get(samples.size() - 1)[3];
    long heapBound = (long) (firstHeap * HEAP_RATIO) + HEAP_SLACK;
    boolean heapOk = lastHeap <= heapBound;
    boolean fdsOk = lastFds <= firstFds + FD_SLACK;
    out.printf(
        "requests: %,d (%,d/s), all answered as expected%n", requests, requests / samples.size());
    out.printf(
        "heap after GC, max of the first %d s: %,d KB; of the last %d s: %,d KB (bound %,d KB): %s%n",
        window,
        firstHeap >> 10,
        window,
        lastHeap >> 10,
        heapBound >> 10,
        heapOk ? "ok" : "GROWING");
    out.printf(
        "open fds, max of the first %d s: %d; of the last %d s: %d (bound %d): %s%n",
        window, firstFds, window, lastFds, firstFds + FD_SLACK, fdsOk ? "ok" : "GROWING");
    return heapOk && fdsOk ? 0 : 1;
  }

  private static long max(List<long[]> samples, int column) {
    long m = 0;
    for (long[] s : samples) {
      m = Math.max(m, s[column]);
    }
    return m;
  }

  private static void load(
      Path socket,
      int thread,
      Random random,
      AtomicBoolean stop,
      AtomicLong requests,
      AtomicLong reconnects)
      throws IOException {
    Conn[] conns = new Conn[CONNECTIONS_PER_THREAD];
    for (int i = 0; i < conns.length; i++) {
      conns[i] = new Conn(socket);
    }
    String[][] expected = new String[conns.length][];
    int turn = 0;
    try {
      while (!stop.get()) {
        for (int i = 0; i < conns.length; i++) {
          StringBuilder batch = new StringBuilder();
          List<String> expect = new ArrayList<>();
          String worker = "w-" + thread + "-" + i;
          for (int r = 0; r < BATCH; r++) {
            String key = "k-" + random.nextInt(KEYS);
            switch (random.nextInt(6)) {
              case 0, 1 -> {
                batch
                    .append("{\"action\":\"set\",\"key\":\"")
                    .append(key)
                    .append("\",\"value\":\"")
                    .append("x".repeat(random.nextInt(2_000)))
                    .append("\",\"ttl\":")
                    .append(1_000 + random.nextInt(29_000))
                    .append("}\n");
                expect.add("{\"ok\":true}");
              }
              case 2 -> {
                batch.append("{\"action\":\"get\",\"key\":\"").append(key).append("\"}\n");
                expect.add("get");
              }
              case 3 -> {
                batch.append("{\"action\":\"del\",\"key\":\"").append(key).append("\"}\n");
                expect.add("{\"ok\":true");
              }
              case 4 -> {
                batch
                    .append("{\"action\":\"lease\",\"key\":\"pool-")
                    .append(thread)
                    .append("-")
                    .append(i)
                    .append("\",\"workerId\":\"")
                    .append(worker)
                    .append("\",\"ttl\":60000,\"size\":4}\n")
                    .append("{\"action\":\"release\",\"workerId\":\"")
                    .append(worker)
                    .append("\"}\n");
                expect.add("{\"ok\":true,\"value\":0,");
                expect.add("{\"ok\":true,\"released\":true}");
              }
              default -> {
                batch.append("{\"action\":\"ping\"}\n");
                expect.add("{\"ok\":true,\"pong\":");
              }
            }
          }
          conns[i].send(batch);
          expected[i] = expect.toArray(new String[0]);
        }
        for (int i = 0; i < conns.length; i++) {
          for (String e : expected[i]) {
            String answer = conns[i].readLine();
            boolean ok =
                e.equals("get")
                    ? answer != null
                        && (answer.startsWith("{\"ok\":true,\"value\":\"")
                            || answer.startsWith("{\"ok\":false,\"error\":\"not_found\"")
                            || answer.startsWith("{\"ok\":false,\"error\":\"expired\""))
                    : answer != null && answer.startsWith(e);
            if (!ok) {
              throw new BenchException("expected " + e + ", got " + answer);
            }
            requests.incrementAndGet();
          }
        }
        turn++;
        if (turn % TURNS_PER_CONNECTION == 0) {
          int i = random.nextInt(conns.length);
          conns[i].close();
          conns[i] = new Conn(socket);
          reconnects.incrementAndGet();
        }
      }
    } finally {
      for (Conn c : conns) {
        c.close();
      }
    }
  }

  /** A blocking line connection (also the pressure soak's). */
  static final class Conn implements AutoCloseable {
    private final SocketChannel channel;
    private final ByteBuffer in = ByteBuffer.allocate(64 * 1024).flip();
    private final StringBuilder line = new StringBuilder();

    Conn(Path socket) throws IOException {
      channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
    }

    void send(CharSequence text) throws IOException {
      ByteBuffer b = StandardCharsets.US_ASCII.encode(text.toString());
      while (b.hasRemaining()) {
        channel.write(b);
      }
    }

    String readLine() throws IOException {
      while (true) {
        while (in.hasRemaining()) {
          byte b = in.get();
          if (b == '\n') {
            String s = line.toString();
            line.setLength(0);
            return s;
          }
          line.append((char) b);
        }
        in.clear();
        int n = channel.read(in);
        in.flip();
        if (n < 0) {
          return null;
        }
      }
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }

  /** The broker JVM from outside: heap right after a full collection, and open descriptors. */
  private static final class Probe implements AutoCloseable {
    private final long pid;
    private final JMXConnector connector;
    private final MemoryMXBean memory;

    Probe(long pid) throws Exception {
      this.pid = pid;
      VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
      String address;
      try {
        address = vm.startLocalManagementAgent();
      } finally {
        vm.detach();
      }
      connector = JMXConnectorFactory.connect(new JMXServiceURL(address));
      memory =
          ManagementFactory.newPlatformMXBeanProxy(
              connector.getMBeanServerConnection(),
              ManagementFactory.MEMORY_MXBEAN_NAME,
              MemoryMXBean.class);
    }

    long heapAfterGc() {
      memory.gc();
      return memory.getHeapMemoryUsage().getUsed();
    }

    long openFds() throws IOException {
      try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
        return fds.count();
      }
    }

    @Override
    public void close() throws IOException {
      connector.close();
    }
  }
}
