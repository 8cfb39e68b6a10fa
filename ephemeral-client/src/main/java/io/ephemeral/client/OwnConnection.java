package io.ephemeral.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * A connection of its own for requests the broker may answer only much later (a lease waiting for a
 * slot, a barrier waiting for its parties): the broker answers each connection's requests in order,
 * so such a request on the shared connection would hold back everything behind it. It is used by
 * one thread at a time, one request after the other, and is never retried: a request that waits in
 * a queue must not be sent twice.
 */
final class OwnConnection implements AutoCloseable {
  private final SocketChannel channel;
  private final Selector selector;
  private final SelectionKey key;
  private final ByteBuffer buf = ByteBuffer.allocate(4096);
  private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

  private OwnConnection(SocketChannel channel, Selector selector, SelectionKey key) {
    this.channel = channel;
    this.selector = selector;
    this.key = key;
  }

  /**
   * Connects.
   *
   * @throws BrokerConnectionException if the broker cannot be reached
   */
  static OwnConnection open(Attempts attempts) {
    return open(attempts.pipe(), attempts.failures());
  }

  /**
   * Connects to {@code pipe}.
   *
   * @throws BrokerConnectionException if the broker cannot be reached
   */
  static OwnConnection open(java.nio.file.Path pipe, Failures failures) {
    SocketChannel ch = null;
    Selector sel = null;
    try {
      ch = SocketChannel.open(StandardProtocolFamily.UNIX);
      sel = Selector.open();
      ch.connect(UnixDomainSocketAddress.of(pipe));
      ch.configureBlocking(false);
      return new OwnConnection(ch, sel, ch.register(sel, SelectionKey.OP_READ));
    } catch (IOException | RuntimeException e) {
      closeQuietly(ch);
      closeQuietly(sel);
      throw failures.connectFailed(e);
    }
  }

  /**
   * Sends the call's line and waits for its answer line until the call's deadline.
   *
   * @throws BrokerConnectionException on timeout or when the connection breaks
   */
  byte[] request(Call call) {
    try {
      ByteBuffer out =
          ByteBuffer.allocate(call.line.length + 1).put(call.line).put((byte) '\n').flip();
      while (out.hasRemaining()) {
        if (channel.write(out) == 0) {
          key.interestOps(SelectionKey.OP_WRITE); // the socket buffer is full: wait for room
          selector.select(millisLeft(call));
          selector.selectedKeys().clear();
          key.interestOps(SelectionKey.OP_READ);
        }
      }
      while (true) {
        byte[] line = takeLine();
        if (line != null) {
          return line;
        }
        selector.select(millisLeft(call));
        selector.selectedKeys().clear();
        buf.clear();
        int n = channel.read(buf);
        if (n < 0) {
          throw Failures.broken(
              "EPIPE", call.describe() + ": the broker closed the connection", null, false);
        }
        pending.write(buf.array(), 0, n);
      }
    } catch (IOException e) {
      throw Failures.ioFailed(e, "EPIPE", "waiting for an answer from");
    }
  }

  /** Milliseconds until the call's deadline, at least 1; throws ETIMEOUT once it has passed. */
  private static long millisLeft(Call call) {
    long left = call.deadlineNanos - System.nanoTime();
    if (left <= 0) {
      throw Failures.broken(
          "ETIMEOUT",
          call.describe()
              + ": no answer within "
              + TimeUnit.NANOSECONDS.toMillis(call.deadlineNanos - call.startNanos)
              + " ms",
          null,
          false);
    }
    return Math.max(1, TimeUnit.NANOSECONDS.toMillis(left));
  }

  /** The first complete line received and not yet returned, or null. */
  private byte[] takeLine() {
    byte[] bytes = pending.toByteArray();
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == '\n') {
        pending.reset();
        pending.write(bytes, i + 1, bytes.length - i - 1);
        return java.util.Arrays.copyOf(bytes, i);
      }
    }
    return null;
  }

  @Override
  public void close() {
    closeQuietly(selector);
    closeQuietly(channel);
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c != null) {
      try {
        c.close();
      } catch (Exception ignored) {
        // nothing left to do
      }
    }
  }
}
