package io.ephemeral.broker.internal;

import io.ephemeral.broker.Clock;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/**
 * Client I/O, as Redis's {@code networking.c}: reading connections, holding back a client that does
 * not read, writing answers at the end of the turn, closing, and the periodic stall check. Loop
 * thread only; the connections are the selector's keys' attachments.
 *
 * <p>Implementation notes.
 *
 * <ul>
 *   <li>Reading: one shared 64 KiB buffer; complete lines are dispatched straight from it and their
 *       responses appended to the connection's output. Outputs are written at the end of the turn
 *       ({@link #flushDirty}), after every ready connection was read (one write per connection for
 *       all its pipelined requests), as Redis does: with 8 and 50 connections this measured a few
 *       per cent more requests per second than writing each connection's answers right after its
 *       read.
 *   <li>Backpressure: while a connection has {@link #pauseAt} bytes of unsent responses, its
 *       further requests wait, and it is read only while fewer than one read buffer of them wait,
 *       so a client that does not read (or reads slowly) cannot make the broker buffer without
 *       bound. Output can still grow by what other connections forward to it (gateway calls and
 *       responses): past {@code maxOutputBuffer} the connection is closed.
 *   <li>Unfinished requests are kept (copied out of the read buffer) within the memory budget: they
 *       may hold half of {@code maxMemory}; a request under {@link #SMALL_REQUEST} always fits.
 *   <li>Stalls: a periodic check closes connections whose started request has not completed, or
 *       whose unsent output has not moved, within {@code stallTimeout}, and (if configured)
 *       connections idle for {@code connectionIdleTimeout}.
 *   <li>Stopping: nothing more is read; answers still queued are written for as long as each
 *       connection's output keeps moving (one that does not move for {@code stallTimeout} is given
 *       up), then every connection closes. A request line counts as accepted when it is dispatched;
 *       what stays unsent is counted unanswered.
 * </ul>
 */
final class Clients implements ConnectionControl {
  static final int READ_BUFFER = 64 * 1024;
  static final int OUTPUT_HIGH_WATER = 1 << 20;

  /** Most answers one connection may have waiting for a shared store; its further lines wait. */
  static final int MAX_QUEUED_ANSWERS = 1024;

  /**
   * An unfinished request this small is always held, whatever others hold: a get or a lease cut
   * across two reads is never refused (at most this much per connection, so maxConnections bounds
   * it).
   */
  static final int SMALL_REQUEST = 8 * 1024;

  /**
   * How often a stopping broker that writes its last answers looks at the clock when no output
   * moves (a stall is measured on the broker's clock, which may be one that tests move by hand).
   */
  private static final long FINAL_FLUSH_POLL_MILLIS = 50;

  final BrokerConfig config;
  private final BrokerLog log;
  private final Clock clock;

  /** What requests see as now: the clock read once per turn. */
  private final TurnClock time;

  final LoopState state;

  private final Selector selector;

  /** Accepts and refuses connections. */
  private final Admission admission;

  /** Makes each connection's protocol from its first byte. */
  private Protocol.Choice protocols;

  private final java.util.ArrayList<Connection> dirty = new java.util.ArrayList<>();
  private final java.util.ArrayList<Connection> resumed = new java.util.ArrayList<>();
  private final ByteBuffer readBuffer = ByteBuffer.allocate(READ_BUFFER);

  /** Unsent output at which a connection's further requests wait. */
  final int pauseAt;

  private final int maxOutput;

  Clients(
      BrokerConfig config,
      BrokerLog log,
      TurnClock time,
      LoopState state,
      Selector selector,
      Admission admission) {
    this.config = config;
    this.log = log;
    this.clock = config.clock();
    this.time = time;
    this.state = state;
    this.selector = selector;
    this.admission = admission;
    this.maxOutput = config.maxOutputBuffer();
    this.pauseAt = Math.min(OUTPUT_HIGH_WATER, maxOutput);
  }

  /** How connections' protocols are made; set once, before the first connection is read. */
  void protocols(Protocol.Choice protocols) {
    this.protocols = protocols;
  }

  /** Connections wait to continue their held-back requests at the end of this turn. */
  boolean haveResumed() {
    return !resumed.isEmpty();
  }

  /** Handles a ready key: the listening socket accepts, a connection is written and read. */
  void handleKey(SelectionKey key) {
    Object attachment = key.attachment();
    if (attachment == null) {
      try {
        admission.acceptAll();
      } catch (Throwable t) {
        log.error("Accepting connections failed", t); // the listening socket is ready again
      }
      return;
    }
    Connection c = (Connection) attachment;
    try {
      if (key.isValid() && key.isWritable()) {
        onWritable(c);
      }
      if (key.isValid() && key.isReadable()) {
        onReadable(c);
      }
    } catch (IOException | CancelledKeyException e) {
      close(c);
    } catch (Throwable t) {
      // Requests answer their own failures; whatever else a client managed to provoke costs that
      // client its connection, never the broker.
      closeAfterFailure(c, t);
    }
  }

  private void onReadable(Connection c) throws IOException {
    ByteBuffer rb = readBuffer;
    rb.clear();
    int n = c.channel.read(rb);
    if (c.refusal != null) {
      admission.refusedSent(c, rb.array(), n); // told why; whatever else it sends is discarded
      return;
    }
    if (n < 0) {
      // Peer closed its side: like the Node broker, an unterminated last line is dropped, but
      // everything already received is answered before the connection closes.
      c.inputClosed = true;
      c.inLen = 0;
      flush(c);
      return;
    }
    if (n == 0) {
      return;
    }
    received(c, rb.array(), n);
    markDirty(c);
  }

  /**
   * Takes {@code n} bytes just read from {@code c}: answers every complete line or frame into
   * {@code c.out} and keeps an unfinished one. No I/O, so tests can feed a connection without a
   * socket.
   */
  void received(Connection c, byte[] data, int n) {
    long now = time.millis();
    state.lastActivity = now;
    c.lastRead = now;
    int completedBefore = c.completed;
    if (c.protocol == null) {
      c.protocol = protocols.forFirstByte(data[0]);
    }
    if (c.inLen > 0) {
      if (!c.heldBack && !c.protocol.mayKeep(c, n)) {
        // The request being received cannot be held: refused, and skipped as the rest arrives.
        keepRest(c, data, consume(c, data, 0, n), n);
      } else if (keep(c, data, 0, n)) {
        c.consumeInput(consume(c, c.in, 0, c.inLen));
      } else {
        keepRest(c, data, consume(c, data, 0, n), n); // the unfinished request was refused
      }
    } else {
      keepRest(c, data, consume(c, data, 0, n), n);
    }
    trackPartial(c, completedBefore, now);
  }

  /** Keeps {@code data[used, n)}, the start of a request not complete yet (or held back). */
  private void keepRest(Connection c, byte[] data, int used, int n) {
    if (used >= n) {
      return;
    }
    if (!c.heldBack && !c.protocol.mayKeep(c, n - used)) {
      return; // refused: the rest of the request arrives later and is skipped
    }
    keep(c, data, used, n);
  }

  /**
   * Keeps input; when the heap itself has no room for it (the budget set above the heap), the
   * unfinished request it belongs to is refused instead, the connection stays usable. Returns
   * whether it was kept.
   */
  private boolean keep(Connection c, byte[] data, int from, int to) {
    try {
      c.keepInput(data, from, to);
      return true;
    } catch (OutOfMemoryError e) {
      c.protocol.cannotKeep(c, data, from, to, e);
      return false;
    }
  }

  /**
   * Notes since when the connection has had an incomplete request (for the stall timeout): a
   * request completed restarts the wait; no incomplete request ends it.
   */
  private static void trackPartial(Connection c, int completedBefore, long now) {
    if (c.inLen == 0 && !c.protocol.skipping()) {
      c.partialSince = 0;
    } else if (c.partialSince == 0 || c.completed != completedBefore) {
      c.partialSince = now;
    }
  }

  private void onWritable(Connection c) throws IOException {
    flush(c);
    if (c.out.size() < pauseAt / 2 && c.inLen > 0 && c.key.isValid()) {
      // Input held back while the client was not reading.
      continueHeldBack(c);
      flush(c);
    }
  }

  /** Takes on requests that waited (for output room or a parked request). */
  private void continueHeldBack(Connection c) {
    int completedBefore = c.completed;
    c.consumeInput(consume(c, c.in, 0, c.inLen));
    trackPartial(c, completedBefore, time.millis());
  }

  private int consume(Connection c, byte[] buf, int from, int to) {
    if (c.parked) {
      c.heldBack = true;
      return from; // answered in order: nothing more until the parked request is answered
    }
    c.heldBack = false;
    return c.protocol.consume(c, buf, from, to);
  }

  private void flush(Connection c) throws IOException {
    int before = c.out.size();
    boolean done = c.out.writeTo(c.channel);
    if (done) {
      c.writeBlockedSince = 0;
      state.inFlight -= c.unflushed;
      c.unflushed = 0;
      if (c.out.capacity() > 64 * 1024) {
        c.out.release();
      }
      if ((c.inputClosed || c.closeAfterFlush) && c.answers == null) {
        close(c);
        return;
      }
      if (c.heldBack && c.inLen > 0 && !c.parked) {
        resumeHeldBack(c); // all written at once: no write event will come to continue it
      }
    } else {
      int unsent = c.out.size();
      // What other connections forward to a gateway peer, or the answers of a KV client that asks
      // and does not read; never one answer alone, however large (a list to a client that reads).
      if (unsent > maxOutput && c.protocol != null && c.protocol.closeOnOutputLimit(c)) {
        // Only forwarded gateway traffic (or one huge answer) gets here: requests of its own wait.
        log.warn(
            "Closing a connection that does not read its output",
            "unsentBytes",
            unsent,
            "maxOutputBuffer",
            maxOutput);
        state.limitHit(Limit.MAX_OUTPUT_BUFFER);
        close(c);
        return;
      }
      if (c.writeBlockedSince == 0 || unsent < before) {
        c.writeBlockedSince = clock.millis();
      }
    }
    int ops = 0;
    if (!done) {
      ops |= SelectionKey.OP_WRITE;
    }
    // A connection with waiting requests is still read (a little), so a client that gives up
    // while parked is noticed, but never more than one read buffer of requests is held.
    if (!c.inputClosed && c.out.size() < pauseAt && (!c.heldBack || c.inLen < READ_BUFFER)) {
      ops |= SelectionKey.OP_READ;
    }
    if (c.key.isValid() && c.key.interestOps() != ops) {
      c.key.interestOps(ops);
    }
  }

  @Override
  public void close(Connection c) {
    if (c.refusal != null) {
      admission.close(c); // it owes nothing: none of its input was taken
      return;
    }
    if (c.key != null && c.key.isValid()) {
      c.key.cancel();
      state.connections--;
      int owed = owed(c);
      state.inFlight -= owed;
      state.unanswered += owed;
      c.unflushed = 0;
      c.answers = null;
      // A request it has waiting is withdrawn first, so what the connection holds (a claim) is
      // not handed to its own waiting request as it is given back.
      if (c.cancelParked != null) {
        c.cancelParked.run();
        c.cancelParked = null;
      }
      if (c.protocol != null) {
        c.protocol.closed(c);
      }
    }
    c.releaseBuffers();
    closeQuietly(c.channel); // once, whether or not the key was still registered
  }

  @Override
  public void markDirty(Connection c) {
    if (!c.dirty) {
      c.dirty = true;
      dirty.add(c);
    }
  }

  @Override
  public void closeAfterFlush(Connection c) {
    c.closeAfterFlush = true;
    markDirty(c);
  }

  /**
   * Requests of the connection taken in and not yet written out: unsent, parked, or waiting for the
   * store.
   */
  private static int owed(Connection c) {
    return c.unflushed + (c.parked ? 1 : 0) + (c.answers == null ? 0 : c.answers.size());
  }

  @Override
  public void resume(Connection c) {
    c.parked = false;
    c.unflushed++; // its answer is now in the output (see Deferred)
    markDirty(c);
    resumeHeldBack(c);
  }

  /** Queues the connection to continue its waiting requests at the end of this turn. */
  private void resumeHeldBack(Connection c) {
    if (!c.resumeQueued) {
      c.resumeQueued = true;
      resumed.add(c);
    }
  }

  @Override
  public void answered(Connection c) {
    java.util.ArrayDeque<Connection.Answer> queue = c.answers;
    if (queue == null) {
      return; // closed meanwhile
    }
    boolean full = queue.size() >= MAX_QUEUED_ANSWERS || c.answerBytes >= OUTPUT_HIGH_WATER;
    Connection.Answer head;
    while ((head = queue.peek()) != null && head.bytes != null) {
      queue.poll();
      c.out.write(head.bytes);
      c.answerBytes -= head.bytes.length;
      c.unflushed++;
    }
    if (queue.isEmpty()) {
      c.answers = null;
      c.answerBytes = 0;
    }
    markDirty(c);
    if (full) {
      // Lines were held back while the queue was full: continue with them at the end of the turn.
      resumeHeldBack(c);
    }
  }

  /**
   * Continues connections whose parked request was answered. Deferred to the end of the turn: the
   * answer may come while another connection's request is being handled.
   */
  void continueResumed() {
    for (int i = 0; i < resumed.size(); i++) {
      Connection c = resumed.get(i);
      c.resumeQueued = false;
      if (c.key != null && c.key.isValid() && c.inLen > 0) {
        try {
          continueHeldBack(c);
        } catch (Throwable t) {
          // Each request answers its own failures (Dispatcher, GatewayRouter): this is the
          // connection's own bookkeeping, the last resort is to close it.
          closeAfterFailure(c, t);
          continue;
        }
        markDirty(c);
      }
    }
    resumed.clear();
  }

  /** The last resort when a connection's own handling fails: it alone is closed, never the loop. */
  private void closeAfterFailure(Connection c, Throwable t) {
    log.error("Closing a connection after an unexpected failure", t);
    try {
      close(c);
    } catch (Throwable again) {
      closeQuietly(c.channel);
    }
  }

  /** Writes every connection that got output during this turn (gateway forwards, error answers). */
  void flushDirty() {
    // Indexed loop: closing a connection can fail calls and mark more connections dirty.
    for (int i = 0; i < dirty.size(); i++) {
      Connection c = dirty.get(i);
      c.dirty = false;
      if (c.key == null || !c.key.isValid()) {
        continue;
      }
      try {
        flush(c);
      } catch (IOException | CancelledKeyException e) {
        close(c);
      } catch (Throwable t) {
        closeAfterFailure(c, t);
      }
    }
    dirty.clear();
  }

  /**
   * Whether a connection holds a complete request not taken on yet (held back behind its unread
   * output or a request that waits).
   */
  boolean holdRequests() {
    for (SelectionKey key : selector.keys()) {
      if (key.attachment() instanceof Connection) {
        Connection c = (Connection) key.attachment();
        if (c.inLen > 0 && c.protocol.holdsRequest(c)) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * At shutdown: writes what is answered ({@link #writeWhatIsAnswered}), then closes every
   * connection, counting what it was still owed as unanswered.
   */
  void closeAll() throws IOException {
    writeWhatIsAnswered();
    for (SelectionKey key : selector.keys()) {
      if (key.attachment() instanceof Connection) {
        Connection c = (Connection) key.attachment();
        state.unanswered += owed(c);
        c.unflushed = 0;
        closeQuietly(c.channel);
      }
    }
  }

  /**
   * At shutdown: writes the answers still queued for accepted requests before the connections
   * close, for as long as their clients read them: a connection whose output has not moved for
   * {@code stallTimeout} (a client that stopped reading; the same measure as {@link
   * #checkConnections}) is given up, so it cannot hold the stop, while a client that reads slowly
   * gets every answer whole rather than one cut at a fixed deadline. Nothing more is read, so
   * nothing more is accepted; what stays unsent is counted unanswered.
   */
  private void writeWhatIsAnswered() throws IOException {
    long stall = config.stallTimeoutMillis();
    boolean brokerClock = true;
    while (true) {
      long now;
      if (brokerClock) {
        try {
          now = clock.millis();
        } catch (RuntimeException broken) {
          // A clock that fails (a plugin's, maybe the very failure that stops the loop) cannot time
          // the stalls: the system's monotonic clock does, each stall measured afresh from now.
          brokerClock = false;
          forgetStalls();
          now = System.nanoTime() / 1_000_000;
        }
      } else {
        now = System.nanoTime() / 1_000_000;
      }
      boolean pending = false;
      for (SelectionKey key : selector.keys()) {
        if (!(key.attachment() instanceof Connection) || !key.isValid()) {
          continue;
        }
        Connection c = (Connection) key.attachment();
        int before = c.out.size();
        try {
          if (c.out.writeTo(c.channel)) {
            state.inFlight -= c.unflushed;
            c.unflushed = 0;
            key.interestOps(0);
            continue;
          }
        } catch (IOException | CancelledKeyException e) {
          close(c);
          continue;
        }
        if (c.writeBlockedSince == 0 || c.out.size() < before) {
          c.writeBlockedSince = now; // moved (or starts waiting now)
        }
        if (now - c.writeBlockedSince < stall) {
          pending = true;
          key.interestOps(SelectionKey.OP_WRITE);
        } else {
          key.interestOps(0); // stalled: given up, its unsent answers count as unanswered
        }
      }
      if (!pending) {
        return;
      }
      selector.select(FINAL_FLUSH_POLL_MILLIS);
      selector.selectedKeys().clear();
    }
  }

  /** Every connection's unsent output counts as waiting from the next look at the clock. */
  private void forgetStalls() {
    for (SelectionKey key : selector.keys()) {
      if (key.attachment() instanceof Connection) {
        ((Connection) key.attachment()).writeBlockedSince = 0;
      }
    }
  }

  /**
   * Closes stalled connections: an incomplete request not finished within the stall timeout (a
   * half-open or trickling client), output that has not moved for that long (a client that stopped
   * reading), and, if configured, connections idle for the idle timeout. Requests waiting on the
   * broker itself (a parked lease or provider request) are never a stall.
   */
  void checkConnections() {
    long now = clock.millis();
    long stall = config.stallTimeoutMillis();
    long idle = config.connectionIdleTimeoutMillis();
    java.util.List<Connection> stalled = null;
    java.util.List<Limit> why = null;
    for (SelectionKey key : selector.keys()) {
      if (!(key.attachment() instanceof Connection) || !key.isValid()) {
        continue;
      }
      Connection c = (Connection) key.attachment();
      if (c.refusal != null) {
        continue; // Admission closes refused sockets once they have lingered long enough
      }
      Limit limit = null;
      if (c.writeBlockedSince != 0 && now - c.writeBlockedSince >= stall) {
        limit = Limit.STALL_TIMEOUT;
      } else if (c.partialSince != 0 && !c.parked && !c.heldBack && now - c.partialSince >= stall) {
        limit = Limit.STALL_TIMEOUT;
      } else if (idle > 0
          && !c.parked
          && (c.protocol == null || !c.protocol.awaitsAnswers())
          && c.out.size() == 0
          && now - c.lastRead >= idle) {
        limit = Limit.CONNECTION_IDLE_TIMEOUT;
      }
      if (limit != null) {
        if (stalled == null) {
          stalled = new java.util.ArrayList<>();
          why = new java.util.ArrayList<>();
        }
        stalled.add(c);
        why.add(limit);
      }
    }
    if (stalled != null) {
      for (int i = 0; i < stalled.size(); i++) {
        Connection c = stalled.get(i);
        Limit limit = why.get(i);
        log.warn(
            limit == Limit.STALL_TIMEOUT
                ? "Closing a stalled connection"
                : "Closing an idle connection",
            limit.label + "Ms",
            limit == Limit.STALL_TIMEOUT ? stall : idle,
            "waiting",
            c.writeBlockedSince != 0
                ? "for the client to read"
                : c.partialSince != 0 ? "for the rest of a request" : "for a request");
        state.limitHit(limit);
        close(c);
      }
    }
  }

  private static void closeQuietly(SocketChannel ch) {
    try {
      ch.close();
    } catch (IOException ignored) {
      // Nothing useful to do: the peer is gone either way.
    }
  }
}
