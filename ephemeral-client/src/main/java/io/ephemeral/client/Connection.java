package io.ephemeral.client;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;

/*
 * Implementation notes.
 *
 * One connected SocketChannel, two daemon threads:
 *  - the writer takes calls from `outgoing` in submission order, appends them to `inFlight`
 *    and only then writes their lines (several per gathering write when many are queued);
 *  - the reader splits the byte stream on '\n' and completes the head of `inFlight` with each
 *    line.
 * The broker answers strictly in order on one connection, so the FIFO `inFlight` is the whole
 * correlation mechanism. Moving a call to `inFlight` before its bytes are written means a reply
 * can never arrive for a call that is not queued. A call whose caller gave up (timeout) stays
 * in `inFlight` until its reply arrives, so later replies stay aligned.
 *
 * `lock` guards `outgoing`, `inFlight` and `failure`. Once `failure` is set the connection is
 * dead: submit() refuses, both queues are drained and every drained call is reported to the
 * owner (which may retry it on a new connection). Splitting on bytes, not decoded text, keeps
 * multi-byte characters that straddle two reads intact.
 */
final class Connection {
  /** Upper bound for one response line; anything longer means the stream is not ours. */
  static final int MAX_LINE_BYTES = 256 * 1024 * 1024;

  private static final int MAX_BATCH_CALLS = 256;
  private static final int MAX_BATCH_BYTES = 256 * 1024;
  private static final byte[] NEWLINE = {'\n'};

  private final SocketChannel channel;
  private final String name;
  private final BiConsumer<Call, BrokerConnectionException> onFailure;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition hasOutgoing = lock.newCondition();
  private final ArrayDeque<Call> outgoing = new ArrayDeque<>();
  private final ArrayDeque<Call> inFlight = new ArrayDeque<>();
  private BrokerConnectionException failure;
  private final Thread reader;
  private final Thread writer;

  private Connection(
      SocketChannel channel, String name, BiConsumer<Call, BrokerConnectionException> onFailure) {
    this.channel = channel;
    this.name = name;
    this.onFailure = onFailure;
    this.reader = new Thread(this::readLoop, name + "-reader");
    this.writer = new Thread(this::writeLoop, name + "-writer");
    reader.setDaemon(true);
    writer.setDaemon(true);
  }

  /**
   * Connects and starts the two threads.
   *
   * @param failures turns a connect error into the exception reported to callers
   * @param onFailure told about every call still queued when the connection dies
   */
  static Connection open(
      Path pipe,
      String name,
      Failures failures,
      BiConsumer<Call, BrokerConnectionException> onFailure) {
    SocketChannel ch = null;
    try {
      ch = SocketChannel.open(StandardProtocolFamily.UNIX);
      ch.connect(UnixDomainSocketAddress.of(pipe));
    } catch (IOException | RuntimeException e) {
      closeQuietly(ch);
      throw failures.connectFailed(e);
    }
    Connection c = new Connection(ch, name, onFailure);
    c.reader.start();
    c.writer.start();
    return c;
  }

  String name() {
    return name;
  }

  boolean isOpen() {
    lock.lock();
    try {
      return failure == null;
    } finally {
      lock.unlock();
    }
  }

  /** Queues a call for writing; false if the connection is already dead. */
  /** Why the connection died (e.g. the broker's draining notice arrived first), or null. */
  BrokerConnectionException failure() {
    lock.lock();
    try {
      return failure;
    } finally {
      lock.unlock();
    }
  }

  boolean submit(Call call) {
    lock.lock();
    try {
      if (failure != null) {
        return false;
      }
      outgoing.add(call);
      hasOutgoing.signal();
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Closes the connection, reporting every queued call with {@code cause}. */
  void close(BrokerConnectionException cause) {
    fail(cause, cause);
    Thread self = Thread.currentThread();
    for (Thread t : new Thread[] {reader, writer}) {
      if (t != self) {
        try {
          t.join(1000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private void writeLoop() {
    List<Call> batch = new ArrayList<>();
    try {
      while (true) {
        lock.lock();
        try {
          while (outgoing.isEmpty() && failure == null) {
            hasOutgoing.await();
          }
          if (failure != null) {
            return;
          }
          int bytes = 0;
          while (!outgoing.isEmpty()
              && batch.size() < MAX_BATCH_CALLS
              && (batch.isEmpty() || bytes + outgoing.peek().line.length < MAX_BATCH_BYTES)) {
            Call c = outgoing.poll();
            batch.add(c);
            inFlight.add(c);
            bytes += c.line.length + 1;
          }
        } finally {
          lock.unlock();
        }
        ByteBuffer[] buffers = new ByteBuffer[batch.size() * 2];
        for (int i = 0; i < batch.size(); i++) {
          buffers[2 * i] = ByteBuffer.wrap(batch.get(i).line);
          buffers[2 * i + 1] = ByteBuffer.wrap(NEWLINE);
        }
        ByteBuffer last = buffers[buffers.length - 1];
        while (last.hasRemaining()) {
          channel.write(buffers);
        }
        batch.clear();
      }
    } catch (InterruptedException e) {
      fail(Failures.broken("ECONNRESET", name + ": writer interrupted", null), null);
    } catch (IOException e) {
      fail(Failures.ioFailed(e, "EPIPE", "writing to"), null);
    }
  }

  private void readLoop() {
    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    byte[] partial = new byte[0];
    int partialLen = 0;
    try {
      while (true) {
        int n = channel.read(buf);
        if (n < 0) {
          fail(
              Failures.broken(
                  "ECONNRESET",
                  "The broker closed the connection"
                      + (partialLen > 0 ? " in the middle of a response line" : ""),
                  null),
              null);
          return;
        }
        byte[] a = buf.array();
        int limit = buf.position();
        int start = 0;
        for (int i = 0; i < limit; i++) {
          if (a[i] != '\n') {
            continue;
          }
          byte[] line;
          if (partialLen == 0) {
            line = Arrays.copyOfRange(a, start, i);
          } else {
            line = Arrays.copyOf(partial, partialLen + i - start);
            System.arraycopy(a, start, line, partialLen, i - start);
            partialLen = 0;
          }
          start = i + 1;
          if (!deliver(line)) {
            return;
          }
        }
        int rest = limit - start;
        if (rest > 0) {
          if ((long) partialLen + rest > MAX_LINE_BYTES) {
            BrokerConnectionException e =
                Failures.broken(
                    "EPROTO",
                    "A response line from the broker exceeds " + MAX_LINE_BYTES + " bytes",
                    null,
                    false);
            fail(e, Failures.broken("ECONNRESET", "Connection dropped: " + e.getMessage(), null));
            return;
          }
          if (partialLen + rest > partial.length) {
            partial = Arrays.copyOf(partial, Math.max(partialLen + rest, partial.length * 2));
          }
          System.arraycopy(a, start, partial, partialLen, rest);
          partialLen += rest;
        }
        buf.clear();
      }
    } catch (ClosedChannelException e) {
      fail(Failures.broken("ECONNRESET", "The connection was closed", e), null);
    } catch (IOException e) {
      fail(Failures.ioFailed(e, "ECONNRESET", "reading from"), null);
    }
  }

  /** Completes the oldest call in flight; false (connection failed) if there is none. */
  private boolean deliver(byte[] line) {
    Call call;
    lock.lock();
    try {
      call = inFlight.poll();
    } finally {
      lock.unlock();
    }
    if (call == null) {
      fail(
          Failures.broken(
              "ECONNRESET",
              "The broker sent a line that answers no request ("
                  + Text.quote(new String(line, 0, Math.min(line.length, 120), UTF_8))
                  + "); the connection was dropped to stay in step",
              null),
          null);
      return false;
    }
    call.result.complete(line);
    return true;
  }

  /**
   * Marks the connection dead (first failure wins), closes the socket and reports the calls that
   * were queued: the oldest in flight with {@code forHead}, every other with {@code forRest} (null:
   * the same as {@code forHead}).
   */
  private void fail(BrokerConnectionException forHead, BrokerConnectionException forRest) {
    List<Call> victims;
    lock.lock();
    try {
      if (failure != null) {
        return;
      }
      failure = forHead;
      victims = new ArrayList<>(inFlight.size() + outgoing.size());
      victims.addAll(inFlight);
      victims.addAll(outgoing);
      inFlight.clear();
      outgoing.clear();
      hasOutgoing.signalAll();
    } finally {
      lock.unlock();
    }
    closeQuietly(channel);
    for (int i = 0; i < victims.size(); i++) {
      onFailure.accept(victims.get(i), i == 0 || forRest == null ? forHead : forRest);
    }
  }

  private static void closeQuietly(SocketChannel ch) {
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException ignored) {
        // nothing left to do
      }
    }
  }
}
