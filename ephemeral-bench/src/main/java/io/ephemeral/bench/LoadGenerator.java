package io.ephemeral.bench;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import org.HdrHistogram.Histogram;

/**
 * Drives one server with one workload from one thread, like the C {@code udsbench}: every
 * connection keeps up to {@code pipeline} requests in flight (a sliding window: each answer frees a
 * slot that is refilled at once), and latency runs from just before the write that carried a
 * request to just after the read that completed its answer.
 *
 * <p>Implementation notes. One connection uses a blocking channel (write, then block in read: the
 * fewest system calls per round trip); several use a {@link Selector}. Requests are copied from
 * bytes prepared by {@link Workload}; timestamps, kinds and request indexes live in per-connection
 * ring arrays; latencies go into an HdrHistogram. Nothing is allocated per request. A watchdog
 * closes the channels if no answer arrives for {@link #STALL_NANOS}, so a stuck server fails the
 * run instead of hanging it.
 */
final class LoadGenerator implements AutoCloseable {
  private static final long STALL_NANOS = 10_000_000_000L;
  private static final int READ_BUFFER = 256 * 1024;

  /** What a measured phase produced. */
  record Result(long requests, double seconds, Histogram latencyNanos) {}

  private final class Conn {
    final int index;
    final SocketChannel channel;
    final ByteBuffer out;
    final ByteBuffer in = ByteBuffer.allocate(READ_BUFFER);
    final long[] sentAt = new long[pipeline];
    final byte[] kind = new byte[pipeline];
    final int[] request = new int[pipeline];
    SelectionKey key;
    int head;
    int inflight;
    long rng;
    int leaseCursor;
    boolean wantsWrite;

    Conn(int index, SocketChannel channel, int maxRequest) {
      this.index = index;
      this.channel = channel;
      this.out = ByteBuffer.allocate(Math.max(64 * 1024, pipeline * maxRequest * 2));
      this.rng = 0x9E3779B97F4A7C15L * (index + 1) ^ 0xD1B54A32D192ED03L;
    }
  }

  private static final Workload.Op[] OPS = Workload.Op.values();

  private final Workload workload;
  private final int pipeline;
  private final Conn[] conns;
  private final Selector selector;
  private final Thread watchdog;
  private volatile long lastProgress = System.nanoTime();
  private volatile boolean closed;
  private volatile boolean stalled;

  // Phase state.
  private byte[][] preload; // non-null while preloading
  private Workload.Op preloadKind;
  private long target;
  private long deadline;
  private long issued;
  private long completed;
  private Histogram histogram;

  LoadGenerator(Path socket, Workload workload, int connections, int pipeline) throws IOException {
    this.workload = workload;
    this.pipeline = pipeline;
    int maxRequest = 0;
    for (int i = 0; i < workload.requestCount(); i++) {
      maxRequest = Math.max(maxRequest, workload.request(i).length);
    }
    maxRequest = Math.max(maxRequest, workload.set(0).length);
    this.conns = new Conn[connections];
    this.selector = connections > 1 ? Selector.open() : null;
    try {
      for (int i = 0; i < connections; i++) {
        SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        Conn c = new Conn(i, ch, maxRequest);
        conns[i] = c;
        if (selector != null) {
          ch.configureBlocking(false);
          c.key = ch.register(selector, SelectionKey.OP_READ, c);
        }
      }
    } catch (IOException e) {
      close();
      throw e;
    }
    this.watchdog = new Thread(this::watch, "bench-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
  }

  /** Sends each request of {@code requests} once (answers checked as {@code kind}), unmeasured. */
  void preload(byte[][] requests, Workload.Op kind) throws IOException {
    preload = requests;
    preloadKind = kind;
    try {
      phase(requests.length, 0, null);
    } finally {
      preload = null;
    }
  }

  /** An unmeasured phase of {@code requests} requests (JIT, caches, buffers). */
  void warmup(long requests) throws IOException {
    if (requests > 0) {
      phase(requests, 0, null);
    }
  }

  /**
   * A measured phase: {@code requests} requests, or as many as fit in {@code nanos} when that is
   * positive (then in-flight requests are drained and counted).
   */
  Result measure(long requests, long nanos) throws IOException {
    Histogram h = new Histogram(3_600_000_000_000L, 3);
    long t0 = System.nanoTime();
    long done = phase(nanos > 0 ? Long.MAX_VALUE : requests, nanos > 0 ? t0 + nanos : 0, h);
    double secs = (System.nanoTime() - t0) / 1e9;
    return new Result(done, secs, h);
  }

  private long phase(long requests, long deadlineNanos, Histogram h) throws IOException {
    target = requests;
    deadline = deadlineNanos;
    issued = 0;
    completed = 0;
    histogram = h;
    lastProgress = System.nanoTime();
    try {
      if (selector == null) {
        runBlocking(conns[0]);
      } else {
        runSelecting();
      }
    } catch (java.io.UncheckedIOException
        | java.nio.channels.ClosedSelectorException
        | IOException e) {
      if (stalled) {
        throw new BenchException(
            "no answer for "
                + STALL_NANOS / 1_000_000_000L
                + " s ("
                + completed
                + " of "
                + issued
                + " requests answered): is the server stuck?");
      }
      throw new BenchException("connection to the server failed: " + e, e);
    }
    return completed;
  }

  private void runBlocking(Conn c) throws IOException {
    while (true) {
      fill(c);
      if (c.inflight == 0) {
        return;
      }
      read(c);
    }
  }

  private void runSelecting() throws IOException {
    for (Conn c : conns) {
      fill(c);
    }
    while (completed < issued || canIssue()) {
      selector.select(
          key -> {
            Conn c = (Conn) key.attachment();
            try {
              if (key.isWritable()) {
                flush(c);
              }
              if (key.isReadable()) {
                read(c);
              }
              fill(c);
            } catch (IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          },
          1000);
      if (closed) {
        throw new IOException("closed");
      }
    }
  }

  private boolean canIssue() {
    return issued < target && (deadline == 0 || System.nanoTime() < deadline);
  }

  private void fill(Conn c) throws IOException {
    if (c.inflight == pipeline || !canIssue()) {
      return;
    }
    int added = 0;
    ByteBuffer out = c.out;
    while (c.inflight < pipeline && issued < target) {
      int slot = (c.head + c.inflight) % pipeline;
      byte[] bytes;
      int request;
      Workload.Op kind;
      if (preload != null) {
        request = (int) issued;
        bytes = preload[request];
        kind = preloadKind;
        if (kind == Workload.Op.LEASE) {
          request = 0; // the answer of a lease (even index)
        }
      } else if (workload.op.pairs()) {
        // Each connection cycles through its own workers, lease then release of each.
        int perConn = workload.requestCount() / 2 / conns.length * 2; // even: pairs never split
        request = c.index * perConn + c.leaseCursor;
        c.leaseCursor = c.leaseCursor + 1 == perConn ? 0 : c.leaseCursor + 1;
        bytes = workload.request(request);
        kind = workload.op;
      } else {
        long x = c.rng;
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        c.rng = x;
        request = (int) ((x >>> 1) % workload.requestCount());
        bytes = workload.request(request);
        kind = workload.op;
      }
      out.put(bytes);
      c.kind[slot] = (byte) kind.ordinal();
      c.request[slot] = request;
      c.inflight++;
      issued++;
      added++;
    }
    long now = System.nanoTime();
    for (int i = c.inflight - added; i < c.inflight; i++) {
      c.sentAt[(c.head + i) % pipeline] = now;
    }
    flush(c);
  }

  private void flush(Conn c) throws IOException {
    ByteBuffer out = c.out;
    out.flip();
    c.channel.write(out);
    boolean rest = out.hasRemaining();
    out.compact();
    if (c.key != null && rest != c.wantsWrite) {
      c.wantsWrite = rest;
      c.key.interestOps(rest ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
    }
  }

  private void read(Conn c) throws IOException {
    ByteBuffer in = c.in;
    int n = c.channel.read(in);
    if (n < 0) {
      throw new BenchException(
          "the server closed connection "
              + c.index
              + " with "
              + c.inflight
              + " requests in flight");
    }
    if (n == 0) {
      return;
    }
    long now = System.nanoTime();
    lastProgress = now;
    byte[] buf = in.array();
    int pos = 0;
    int end = in.position();
    while (pos < end) {
      if (c.inflight == 0) {
        throw new BenchException(
            "the server sent " + (end - pos) + " bytes nobody asked for on connection " + c.index);
      }
      int slot = c.head;
      int used = workload.check(buf, pos, end, OPS[c.kind[slot]], c.request[slot]);
      if (used == 0) {
        break;
      }
      pos += used;
      if (histogram != null) {
        histogram.recordValue(Math.max(1, now - c.sentAt[slot]));
      }
      c.head = slot + 1 == pipeline ? 0 : slot + 1;
      c.inflight--;
      completed++;
    }
    if (pos > 0) {
      System.arraycopy(buf, pos, buf, 0, end - pos);
      in.position(end - pos);
    } else if (!in.hasRemaining()) {
      throw new BenchException(
          "an answer longer than " + READ_BUFFER + " bytes on connection " + c.index);
    }
  }

  private void watch() {
    while (!closed) {
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        return;
      }
      if (System.nanoTime() - lastProgress > STALL_NANOS && !closed) {
        stalled = true;
        close();
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    for (Conn c : conns) {
      if (c != null) {
        try {
          c.channel.close();
        } catch (IOException ignored) {
          // closing: nothing left to do with this connection
        }
      }
    }
    if (selector != null) {
      try {
        selector.close();
      } catch (IOException ignored) {
        // as above
      }
    }
  }
}
