package io.ephemeral.broker.internal;

import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.Arrays;

/**
 * One client connection's state, touched only by the event-loop thread.
 *
 * <p>Input normally goes straight from the loop's shared read buffer to the dispatcher; only an
 * unfinished line (or lines held back while the client is not reading its responses) is copied into
 * {@link #in}. Its size is bounded by maxRequestSize plus one read: a longer line switches the
 * connection to discarding until the next newline, without ever buffering the line whole.
 */
final class Connection {
  private static final byte[] EMPTY = new byte[0];

  final SocketChannel channel;
  SelectionKey key;
  final ByteOutput out = new ByteOutput();
  byte[] in = EMPTY;
  int inLen;

  /** The client closed its side; answer what was received, then close. */
  boolean inputClosed;

  /** Responses in {@link #out} not yet completely written. */
  int unflushed;

  /**
   * What this connection speaks, with its state (lines: {@link LineProtocol}, frames: {@link
   * FrameProtocol}); null until its first byte.
   */
  Protocol protocol;

  /** Queued for a flush at the end of the loop turn. */
  boolean dirty;

  /** Close once the output is written (e.g. a refused duplicate registration). */
  boolean closeAfterFlush;

  /** A request is waiting (for a lease slot): later requests wait until it is answered. */
  boolean parked;

  /** Withdraws the wait behind {@link #parked} (a lease or a provider) if the connection closes. */
  Runnable cancelParked;

  /** Queued to continue its held-back requests at the end of the turn. */
  boolean resumeQueued;

  /**
   * Why this connection is refused (draining, peer, limit), or null: it is told why in its own
   * framing ({@link Admission}), half-closed, and its input discarded until it closes.
   */
  Admission.Refusal refusal;

  /** What a refused connection is told. */
  String refusalMessage;

  /** A refused connection has been told why. */
  boolean told;

  /** Refused at the connection limit: not counted as a connection, kept open only briefly. */
  boolean overLimit;

  /**
   * {@link #in} holds complete requests that wait (for the client to read its answers, or for a
   * parked request): the connection is then read only while that backlog is under one read buffer,
   * so a slow reader cannot make the broker hold its requests without bound.
   */
  boolean heldBack;

  /**
   * Requests (lines or frames) taken from this connection so far; progress for the stall timeout.
   */
  int completed;

  /** Clock time since when an incomplete request has been waiting for its rest, or 0. */
  long partialSince;

  /** Clock time since when unsent output has been waiting without any of it being written, or 0. */
  long writeBlockedSince;

  /** Clock time of the last read that returned data (or of the accept). */
  long lastRead;

  /**
   * Answers not yet in {@link #out} because an earlier request is still being answered by a shared
   * store (null when there are none): each waits its turn so answers keep request order, while the
   * connection's later requests are already being worked on.
   */
  java.util.ArrayDeque<Answer> answers;

  /** Bytes held in {@link #answers}. */
  long answerBytes;

  /** One answer in {@link #answers}: its bytes, or null while the store has not answered. */
  static final class Answer {
    byte[] bytes;
  }

  /** Where this connection's buffers are counted (null in tests that feed a bare connection). */
  private final MemoryBudget budget;

  /** Fixed heap cost of a connection beyond its buffers (this object, its key, its channel). */
  static final int OVERHEAD_BYTES = 1024;

  Connection(SocketChannel channel) {
    this(channel, null);
  }

  Connection(SocketChannel channel, MemoryBudget budget) {
    this.channel = channel;
    this.budget = budget;
    if (budget != null) {
      out.track(budget);
      budget.add(MemoryBudget.Part.OUTPUT, OVERHEAD_BYTES);
    }
  }

  /** The gateway's state of this connection, which speaks frames. */
  FrameProtocol frames() {
    return (FrameProtocol) protocol;
  }

  /** The KV state of this connection, which speaks lines. */
  LineProtocol lines() {
    return (LineProtocol) protocol;
  }

  /** What keeping {@code n} more input bytes adds to the input buffer's capacity (0: it fits). */
  int inputGrowth(int n) {
    return inLen + n <= in.length ? 0 : newInputCapacity(n) - in.length;
  }

  private int newInputCapacity(int n) {
    return Math.max(inLen + n, Math.max(256, in.length * 2));
  }

  void keepInput(byte[] src, int from, int to) {
    int n = to - from;
    if (inLen + n > in.length) {
      int capacity = newInputCapacity(n);
      if (budget != null) {
        budget.add(MemoryBudget.Part.INPUT, capacity - in.length);
      }
      in = Arrays.copyOf(in, capacity);
    }
    System.arraycopy(src, from, in, inLen, n);
    inLen += n;
  }

  /** Drops the input kept (a refused unfinished request). */
  void dropInput() {
    inLen = 0;
    releaseInput();
  }

  private void releaseInput() {
    if (budget != null) {
      budget.add(MemoryBudget.Part.INPUT, -in.length);
    }
    in = EMPTY;
  }

  /** The connection closed: what its buffers held is no longer counted. */
  void releaseBuffers() {
    if (budget == null || released) {
      return;
    }
    released = true;
    releaseInput();
    out.release();
    out.track(null); // anything still written to a closed connection is not counted
    budget.add(MemoryBudget.Part.OUTPUT, -OVERHEAD_BYTES);
  }

  private boolean released;

  void consumeInput(int upTo) {
    if (upTo == 0) {
      return; // nothing complete yet: moving the kept bytes onto themselves would make reassembly
      // quadratic
    }
    int rest = inLen - upTo;
    if (rest > 0) {
      System.arraycopy(in, upTo, in, 0, rest);
    }
    inLen = rest;
    if (inLen == 0 && in.length > 64 * 1024) {
      releaseInput();
    }
  }
}
