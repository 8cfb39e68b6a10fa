package io.ephemeral.broker.internal;

import io.ephemeral.broker.Clock;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

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
 *   <li>Stopping: nothing more is read; answers still queued are written for up to {@link
 *       #FINAL_FLUSH}, then every connection closes. A request line counts as accepted when it is
 *       dispatched; what stays unsent is counted unanswered.
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

  /** Longest a stopping broker spends writing answers already queued. */
  static final Duration FINAL_FLUSH = Duration.ofSeconds(1);

  private final BrokerConfig config;
  private final BrokerLog log;
  private final Clock clock;

  /** What requests see as now: the clock read once per turn. */
  private final TurnClock time;

  private final LoopState state;

  /** What clients make the broker hold, against {@code maxMemory}. */
  private final MemoryBudget budget;

  private final Selector selector;

  /** Accepts and refuses connections. */
  private final Admission admission;

  private Dispatcher dispatcher;
  private GatewayRouter router;

  private final java.util.ArrayList<Connection> dirty = new java.util.ArrayList<>();
  private final java.util.ArrayList<Connection> resumed = new java.util.ArrayList<>();
  private final ByteBuffer readBuffer = ByteBuffer.allocate(READ_BUFFER);

  /** Unsent output at which a connection's further requests wait. */
  private final int pauseAt;

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
    this.budget = state.budget;
    this.selector = selector;
    this.admission = admission;
    this.maxOutput = config.maxOutputBuffer();
    this.pauseAt = Math.min(OUTPUT_HIGH_WATER, maxOutput);
  }

  /** Who answers lines and frames; set once, before the first connection is read. */
  void protocols(Dispatcher dispatcher, GatewayRouter router) {
    this.dispatcher = dispatcher;
    this.router = router;
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
    if (c.protocol == Connection.UNKNOWN) {
      // A gateway frame starts with a 4-byte big-endian length: its first byte is 0 for any
      // frame under 16 MiB. A JSON line never starts with a NUL byte.
      c.protocol = data[0] == 0 ? Connection.FRAMES : Connection.LINES;
    }
    if (c.inLen > 0) {
      if (c.protocol == Connection.LINES && !c.heldBack && !mayKeep(c, n)) {
        // The line being received cannot be held: refused, and skipped up to its newline.
        refuseUnfinishedLine(c, noRoomForLine());
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
    if (c.protocol == Connection.LINES && !c.heldBack && !mayKeep(c, n - used)) {
      refuseUnfinishedLine(c, noRoomForLine());
      return; // the rest of the line arrives later and is skipped
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
      String why = "the broker ran out of heap memory holding this unfinished request";
      if (c.protocol == Connection.LINES) {
        refuseUnfinishedLine(c, why);
        return false;
      }
      // A frame: its header is at the start of what was kept, or of these bytes.
      byte[] head = c.inLen > 0 ? c.in : data;
      int at = c.inLen > 0 ? 0 : from;
      int have = c.inLen > 0 ? c.inLen : to - from;
      if (have < 4 || c.skipBytes > 0) {
        throw e; // nothing to refuse by: the connection's last resort
      }
      long size =
          ((head[at] & 0xFFL) << 24)
              | ((head[at + 1] & 0xFF) << 16)
              | ((head[at + 2] & 0xFF) << 8)
              | (head[at + 3] & 0xFF);
      String id = idNear(head, at + 4, at + have);
      c.dropInput();
      c.completed++;
      router.frameRefused(c, id, why);
      c.skipBytes = size - (have - 4);
      markDirty(c);
      return false;
    }
  }

  private String noRoomForLine() {
    return "the broker's memory budget cannot hold this unfinished request: unfinished requests may"
        + " hold half of maxMemory ("
        + budget.max()
        + " bytes), and they hold "
        + budget.used(MemoryBudget.Part.INPUT)
        + "; the request is skipped";
  }

  /**
   * Whether keeping {@code more} input bytes fits the budget: unfinished requests may hold at most
   * half of it, so that slow senders cannot leave no room for everyone else.
   */
  private boolean mayKeep(Connection c, int more) {
    int growth = c.inputGrowth(more);
    return growth == 0 || c.inLen + more <= SMALL_REQUEST || budget.fitsInput(growth);
  }

  /**
   * Answers an unfinished line that cannot be held {@code memory_limit} and drops it (skipping it
   * up to its newline). Behind a parked request the answer waits its turn ({@link
   * Connection#refusedLine}).
   */
  private void refuseUnfinishedLine(Connection c, String why) {
    c.dropInput();
    c.discarding = true;
    if (c.parked) {
      c.refusedLine = why;
      return;
    }
    answerRefusedLine(c, why);
  }

  private void answerRefusedLine(Connection c, String why) {
    state.inFlight++;
    state.requestsAccepted++;
    c.unflushed++;
    c.completed++;
    state.limitHit(Limit.MAX_MEMORY);
    dispatcher.refuse(c, io.ephemeral.protocol.ErrorCodes.MEMORY_LIMIT, why);
    markDirty(c);
  }

  /**
   * Notes since when the connection has had an incomplete request (for the stall timeout): a
   * request completed restarts the wait; no incomplete request ends it.
   */
  private static void trackPartial(Connection c, int completedBefore, long now) {
    if (c.inLen == 0 && !c.discarding && c.skipBytes == 0) {
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
    return c.protocol == Connection.FRAMES
        ? processFrames(c, buf, from, to)
        : process(c, buf, from, to);
  }

  /**
   * Routes complete frames in buf[from, to); returns how far it consumed. A frame over the size
   * limit is refused from its header and its body skipped as it arrives, never buffered.
   */
  private int processFrames(Connection c, byte[] buf, int from, int to) {
    int pos = from;
    while (pos < to) {
      if (c.skipBytes > 0) {
        int k = (int) Math.min(c.skipBytes, to - pos);
        c.skipBytes -= k;
        pos += k;
        continue;
      }
      if (c.out.size() >= pauseAt) {
        c.heldBack = true;
        break;
      }
      if (to - pos < 4) {
        break;
      }
      long size =
          ((buf[pos] & 0xFFL) << 24)
              | ((buf[pos + 1] & 0xFF) << 16)
              | ((buf[pos + 2] & 0xFF) << 8)
              | (buf[pos + 3] & 0xFF);
      if (size > config.maxFrameSize()) {
        router.frameTooLarge(c, size);
        c.skipBytes = size;
        c.completed++;
        pos += 4;
        continue;
      }
      if (to - pos - 4 < size) {
        if (size + 4 > SMALL_REQUEST && !budget.fitsInput(Math.max(0, size + 4 - c.in.length))) {
          // A frame the budget cannot hold whole is refused now and its body skipped.
          state.limitHit(Limit.MAX_MEMORY);
          router.frameRefused(
              c,
              idNear(buf, pos + 4, to),
              "A frame of "
                  + size
                  + " bytes does not fit the broker's memory budget (maxMemory "
                  + budget.max()
                  + " bytes, "
                  + budget.used()
                  + " used)");
          c.skipBytes = size - (to - pos - 4);
          c.completed++;
          pos = to;
          continue;
        }
        break;
      }
      c.completed++;
      router.onFrame(c, buf, pos + 4, (int) size);
      pos += 4 + (int) size;
    }
    return pos;
  }

  /**
   * The {@code id} of a JSON frame refused before it was read whole, when it appears early in the
   * part received (clients write it second, after the type), or null: the refusal then names the
   * call it refuses, so the caller fails it at once instead of waiting for its timeout.
   */
  static String idNear(byte[] buf, int from, int to) {
    int end = Math.min(to, from + 256);
    if (from >= end || buf[from] != '{') {
      return null;
    }
    for (int i = from; i + 6 < end; i++) {
      if (buf[i] == '"'
          && buf[i + 1] == 'i'
          && buf[i + 2] == 'd'
          && buf[i + 3] == '"'
          && buf[i + 4] == ':'
          && buf[i + 5] == '"') {
        for (int j = i + 6; j < end; j++) {
          if (buf[j] == '"' || buf[j] == '\\' || buf[j] < 0x20) {
            return buf[j] == '"'
                ? new String(buf, i + 6, j - i - 6, java.nio.charset.StandardCharsets.US_ASCII)
                : null;
          }
        }
        return null;
      }
    }
    return null;
  }

  /** Dispatches complete lines in buf[from, to); returns how far it consumed. */
  private int process(Connection c, byte[] buf, int from, int to) {
    if (c.refusedLine != null) {
      answerRefusedLine(c, c.refusedLine); // its turn has come: the parked request was answered
      c.refusedLine = null;
    }
    int max = config.maxRequestSize();
    int pos = from;
    while (pos < to) {
      int nl = indexOfNewline(buf, pos, to);
      if (c.discarding) {
        if (nl < 0) {
          return to;
        }
        c.discarding = false;
        pos = nl + 1;
        continue;
      }
      if (c.out.size() >= pauseAt
          || (c.answers != null
              && (c.answers.size() >= MAX_QUEUED_ANSWERS || c.answerBytes >= OUTPUT_HIGH_WATER))) {
        c.heldBack = true; // continued when output is written or queued answers are released
        break;
      }
      if (nl < 0) {
        if (to - pos > max) {
          respondTooLarge(c);
          c.discarding = true;
          return to;
        }
        break;
      }
      state.inFlight++;
      state.requestsAccepted++;
      c.unflushed++;
      c.completed++;
      if (nl - pos > max) {
        dispatcher.tooLarge(c);
      } else {
        dispatcher.handle(c, buf, pos, nl - pos);
      }
      pos = nl + 1;
      if (c.parked) {
        c.heldBack = pos < to;
        break;
      }
    }
    return pos;
  }

  private void respondTooLarge(Connection c) {
    state.inFlight++;
    state.requestsAccepted++;
    c.unflushed++;
    dispatcher.tooLarge(c);
  }

  private static int indexOfNewline(byte[] buf, int from, int to) {
    for (int i = from; i < to; i++) {
      if (buf[i] == '\n') {
        return i;
      }
    }
    return -1;
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
      if (unsent > maxOutput && (c.protocol == Connection.FRAMES || c.unflushed > 1)) {
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
      if (c.protocol == Connection.FRAMES) {
        router.onClose(c);
      }
      if (c.cancelParked != null) {
        c.cancelParked.run();
        c.cancelParked = null;
      }
      if (c.releaseOnClose != null) {
        c.releaseOnClose.run();
        c.releaseOnClose = null;
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
    if (full && !c.resumeQueued) {
      // Lines were held back while the queue was full: continue with them at the end of the turn.
      c.resumeQueued = true;
      resumed.add(c);
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
        if (c.inLen > 0 && indexOfNewline(c.in, 0, c.inLen) >= 0) {
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
   * close, for at most {@link #FINAL_FLUSH} (a client that does not read cannot hold the stop).
   * Nothing more is read, so nothing more is accepted; what stays unsent is counted unanswered.
   */
  private void writeWhatIsAnswered() throws IOException {
    long deadline = System.nanoTime() + FINAL_FLUSH.toNanos();
    while (true) {
      boolean pending = false;
      for (SelectionKey key : selector.keys()) {
        if (!(key.attachment() instanceof Connection) || !key.isValid()) {
          continue;
        }
        Connection c = (Connection) key.attachment();
        try {
          if (c.out.writeTo(c.channel)) {
            state.inFlight -= c.unflushed;
            c.unflushed = 0;
            key.interestOps(0);
          } else {
            pending = true;
            key.interestOps(SelectionKey.OP_WRITE);
          }
        } catch (IOException | CancelledKeyException e) {
          close(c);
        }
      }
      long left = deadline - System.nanoTime();
      if (!pending || left <= 0) {
        return;
      }
      selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      selector.selectedKeys().clear();
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
          && c.callsInFlight == 0
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
