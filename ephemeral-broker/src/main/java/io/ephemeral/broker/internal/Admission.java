package io.ephemeral.broker.internal;

import io.ephemeral.broker.Clock;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.Locale;

/**
 * Who gets in: accepts connections, refuses those over the connection limit, from another user or
 * while draining, and tells each refused client why in its own framing. Loop thread only.
 *
 * <p>Implementation notes.
 *
 * <ul>
 *   <li>A refused connection is answered when its first bytes arrive: a first byte 0 starts a
 *       gateway frame, so it gets an ERROR frame (in the encoding its frame body uses), anything
 *       else a KV line. A KV line read by a gateway client was a 2 GB frame header ({@code {"ok}).
 *       A client that sends nothing within {@link #REFUSAL_LINGER_MILLIS} gets the KV line. The
 *       answer is followed by a half-close: the client may go on writing and still reads why.
 *   <li>Refusals at the connection limit do not count as connections, so at most {@link
 *       #MAX_LINGERING_REFUSALS} of them stay open, none longer than {@link
 *       #REFUSAL_LINGER_MILLIS}. With that many open, accepting pauses and the next clients wait in
 *       the backlog until one closes: closing the oldest to make room would cut off a client that
 *       had not sent its request yet, and its write would fail with a broken pipe instead of
 *       reading why.
 *   <li>Out of file descriptors, {@code accept()} fails while the clients wait in the backlog, and
 *       the listening socket stays ready: retrying at once spins the loop. Instead one descriptor is
 *       kept in reserve: it is given up to accept a waiting client, tell it {@code
 *       too_many_connections} and close it, then taken back; accepting pauses for {@link
 *       #ACCEPT_BACKOFF_MILLIS}, and the shortage is logged once per {@link #LOG_INTERVAL_MILLIS}.
 *       A client accepted this way before its first bytes arrived keeps the reserve's place until
 *       they do (or the linger time passes): closed at once, its request would arrive at a closed
 *       socket and it would see a broken pipe instead of the reason. Accepting resumes only with
 *       the reserve in hand (see {@link #resumeAccepting}).
 *   <li>At start, {@code maxConnections} is lowered below the process's descriptor limit (with
 *       {@link #SPARE_DESCRIPTORS} to spare for the broker itself), so the limit refuses first.
 * </ul>
 */
final class Admission {
  /** Most sockets refused at the connection limit that stay open for their client to read why. */
  static final int MAX_LINGERING_REFUSALS = 16;

  /** How long a refused socket waits for its client's first bytes and its close. */
  static final long REFUSAL_LINGER_MILLIS = 1_000;

  /** How long accepting pauses when the process is out of file descriptors. */
  static final long ACCEPT_BACKOFF_MILLIS = 100;

  /** Shortest time between two log lines about refusals of one kind. */
  static final long LOG_INTERVAL_MILLIS = 10_000;

  /**
   * Descriptors kept free below the process limit when {@code maxConnections} is lowered: the
   * lingering refusals, the reserve, and room for what the broker itself opens (class files, store
   * connections, logs).
   */
  static final int SPARE_DESCRIPTORS = MAX_LINGERING_REFUSALS + 1 + 31;

  /** Why a connection is refused: a KV error code, and the message a gateway client is given. */
  enum Refusal {
    TOO_MANY_CONNECTIONS(
        "too_many_connections", "the broker has reached its connection limit", true),
    DRAINING("draining", "the broker is draining and takes no new connections", false),
    FORBIDDEN("forbidden", null, true);

    final String code;
    final String message;

    /** Whether the KV line carries the message (the Node broker's own "draining" does not). */
    final boolean messageOnLine;

    Refusal(String code, String message, boolean messageOnLine) {
      this.code = code;
      this.message = message;
      this.messageOnLine = messageOnLine;
    }
  }

  /** Schedules a task on the loop at a clock time. */
  interface Timers {
    void at(long due, Runnable task);
  }

  private final BrokerConfig config;
  private final BrokerLog log;
  private final Clock clock;
  private final LoopState state;
  private final PeerCheck peers;
  private final Selector selector;
  private final ServerSocketChannel server;
  private final SelectionKey serverKey;
  private final Timers timers;
  private final int maxConnections;
  private final FrameWriter frames = new FrameWriter();
  private final ByteOutput scratch = new ByteOutput();
  private final ByteBuffer firstBytes = ByteBuffer.allocate(4096);

  /** Refusals at the connection limit still open, oldest first. */
  private final ArrayDeque<Connection> lingering = new ArrayDeque<>();

  /** Every refused connection not yet answered, oldest first (answered after the linger time). */
  private final ArrayDeque<Connection> untold = new ArrayDeque<>();

  private boolean lingerCheckScheduled;

  /** Held so that one descriptor is free when the process has no other; null while given up. */
  private java.nio.channels.Channel reserve;

  /**
   * The client accepted on the reserve's descriptor that has not sent its first bytes yet; the
   * reserve is taken back when it is closed.
   */
  private Connection waitingOnReserve;

  private final RefusalCount shortageRefusals = new RefusalCount();
  private final RefusalCount limitRefusals = new RefusalCount();

  /** Refusals of one cause, logged at most once per {@link #LOG_INTERVAL_MILLIS}. */
  private static final class RefusalCount {
    private long lastLine = -LOG_INTERVAL_MILLIS;
    private long sinceLastLine;

    void add() {
      sinceLastLine++;
    }

    /**
     * The refusals since the last line if a line is due at {@code now} (counting starts again), or
     * -1.
     */
    long lineDue(long now) {
      if (now - lastLine < LOG_INTERVAL_MILLIS) {
        return -1;
      }
      long refused = sinceLastLine;
      lastLine = now;
      sinceLastLine = 0;
      return refused;
    }
  }

  Admission(
      BrokerConfig config,
      BrokerLog log,
      LoopState state,
      PeerCheck peers,
      Selector selector,
      ServerSocketChannel server,
      Timers timers)
      throws IOException {
    this.config = config;
    this.log = log;
    this.clock = config.clock();
    this.state = state;
    this.peers = peers;
    this.selector = selector;
    this.server = server;
    this.timers = timers;
    this.serverKey = server.register(selector, SelectionKey.OP_ACCEPT);
    this.maxConnections = fitToDescriptors(config.maxConnections(), log);
    this.reserve = openReserve();
    // Every refusal once in each framing, now: loading a class may need a descriptor of its own
    // (a class file), and a refusal is needed most when there is none left.
    for (Refusal r : Refusal.values()) {
      answer(r, "warm-up", new byte[] {'{'}, 1);
      answer(r, "warm-up", new byte[] {0, 0, 0, 1, '{'}, 5);
      answer(r, "warm-up", new byte[] {0, 0, 0, 1, (byte) 0x80}, 5);
    }
  }

  /** The connection limit in force: the configured one, lowered to fit the descriptor limit. */
  int maxConnections() {
    return maxConnections;
  }

  /** Accepts what waits in the backlog (the listening socket is ready). */
  void acceptAll() {
    for (int i = 0; i < 64; i++) {
      if (state.connections >= maxConnections && lingering.size() >= MAX_LINGERING_REFUSALS) {
        serverKey.interestOps(0); // until a lingering refusal closes (see close)
        return;
      }
      SocketChannel ch;
      try {
        ch = server.accept();
      } catch (IOException e) {
        if (outOfDescriptors(e)) {
          turnAwayWithReserve();
        } else {
          log.warn("Accept failed", "error", e.getMessage());
        }
        pauseAccepting();
        return;
      }
      if (ch == null) {
        return;
      }
      try {
        ch.configureBlocking(false);
        if (state.connections >= maxConnections) {
          refusedAtLimit();
          Connection refused = refuse(ch, Refusal.TOO_MANY_CONNECTIONS, null);
          refused.overLimit = true;
          lingering.addLast(refused);
          continue;
        }
        String why = peers.refusal(ch);
        if (why != null) {
          log.warn("Refused a connection", "reason", why);
          state.refused("peer_credentials");
          state.connections++;
          refuse(ch, Refusal.FORBIDDEN, "connection refused: " + why);
          continue;
        }
        if (state.draining) {
          state.refused("draining");
          state.connections++;
          refuse(ch, Refusal.DRAINING, null);
          continue;
        }
        state.connectionsAccepted++;
        Connection c = new Connection(ch, state.budget);
        c.lastRead = clock.millis();
        c.key = ch.register(selector, SelectionKey.OP_READ, c);
        state.connections++;
      } catch (IOException e) {
        closeQuietly(ch);
      }
    }
  }

  private void refusedAtLimit() {
    state.refused("limit");
    state.limitHit(Limit.MAX_CONNECTIONS);
    limitRefusals.add();
    long refused = limitRefusals.lineDue(clock.millis());
    if (refused >= 0) {
      log.warn(
          "Refused a connection: limit reached",
          "maxConnections",
          maxConnections,
          "refusedSinceLastLine",
          refused);
    }
  }

  /**
   * Registers a refused connection; it is told why when its first bytes arrive (or after the linger
   * time), then half-closed, and closed on its EOF.
   */
  private Connection refuse(SocketChannel ch, Refusal refusal, String message) throws IOException {
    Connection c = new Connection(ch);
    c.refusal = refusal;
    c.refusalMessage = message != null ? message : refusal.message;
    c.lastRead = clock.millis(); // a refused socket's input is never taken: the refusal time
    c.key = ch.register(selector, SelectionKey.OP_READ, c);
    untold.addLast(c);
    if (!lingerCheckScheduled) {
      lingerCheckScheduled = true;
      timers.at(c.lastRead + REFUSAL_LINGER_MILLIS, this::checkLingering);
    }
    return c;
  }

  /**
   * A refused connection sent something ({@code n} bytes at the start of {@code data}) or closed
   * ({@code n < 0}): the first bytes decide how it is told why; the rest is discarded.
   */
  void refusedSent(Connection c, byte[] data, int n) {
    if (!c.told) {
      tell(c, n > 0 ? data : null, Math.max(n, 0));
    }
    if (n < 0) {
      close(c);
    }
  }

  /** Writes the refusal in the client's framing and half-closes; never blocks. */
  private void tell(Connection c, byte[] first, int n) {
    c.told = true;
    untold.remove(c);
    try {
      c.channel.write(ByteBuffer.wrap(answer(c.refusal, c.refusalMessage, first, n)));
      c.channel.shutdownOutput();
    } catch (IOException e) {
      // The client is gone already: its EOF (or the linger check) closes the socket.
    }
    if (c == waitingOnReserve) {
      close(c); // its input is read, so it reads the answer and then the end of the stream
    }
  }

  /**
   * The refusal in the framing the first bytes show: an ERROR frame in the frame body's encoding
   * for a gateway client (first byte 0), a KV line otherwise (and when nothing arrived).
   */
  private byte[] answer(Refusal refusal, String message, byte[] first, int n) {
    scratch.clear();
    if (n > 0 && first[0] == 0) {
      FrameMessage.Encoding enc =
          n > 4 && first[4] != '{' ? FrameMessage.Encoding.MSGPACK : FrameMessage.Encoding.JSON;
      frames.error(
          scratch, enc, null, refusal.code.toUpperCase(Locale.ROOT), message, clock.millis());
    } else {
      scratch.write(Reply.ERROR).ascii(refusal.code).write((byte) '"');
      if (refusal.messageOnLine) {
        scratch.ascii(",\"message\":").jsonString(message);
      }
      scratch.ascii("}\n");
    }
    return scratch.toByteArray();
  }

  /**
   * Tells refused clients that sent nothing (as a KV line) and closes refusals at the limit that
   * lingered, once they are older than {@link #REFUSAL_LINGER_MILLIS}.
   */
  private void checkLingering() {
    lingerCheckScheduled = false;
    long now = clock.millis();
    Connection c;
    while ((c = untold.peekFirst()) != null && now - c.lastRead >= REFUSAL_LINGER_MILLIS) {
      tell(c, null, 0);
    }
    while ((c = lingering.peekFirst()) != null && now - c.lastRead >= REFUSAL_LINGER_MILLIS) {
      close(c);
    }
    Connection next = untold.isEmpty() ? lingering.peekFirst() : untold.peekFirst();
    if (next != null) {
      lingerCheckScheduled = true;
      timers.at(next.lastRead + REFUSAL_LINGER_MILLIS, this::checkLingering);
    }
  }

  /** Closes a refused connection; a refusal at the limit never counted as a connection. */
  void close(Connection c) {
    if (c.overLimit) {
      if (lingering.remove(c) && lingering.size() == MAX_LINGERING_REFUSALS - 1) {
        resumeAccepting(ACCEPT_BACKOFF_MILLIS); // it may have paused with every place taken
      }
    } else if (c.key != null && c.key.isValid()) {
      state.connections--;
    }
    if (!c.told) {
      untold.remove(c);
    }
    if (c.key != null) {
      c.key.cancel();
    }
    closeQuietly(c.channel);
    if (c == waitingOnReserve) {
      waitingOnReserve = null;
      resumeAccepting(1); // its descriptor is free after the next select
    }
  }

  /**
   * Accepts again after a pause, reserve first: a client accepted without the reserve in hand could
   * not be turned away once descriptors ran out, it would wait in the backlog unanswered. So while
   * a client holds the reserve's place nothing is accepted, and when the reserve cannot be taken
   * back yet (a channel registered with the selector gives its descriptor back only at the next
   * select), it is tried again {@code retryMillis} later, then at doubling intervals up to {@link
   * #ACCEPT_BACKOFF_MILLIS}.
   */
  private void resumeAccepting(long retryMillis) {
    if (!serverKey.isValid() || waitingOnReserve != null) {
      return; // closing it resumes accepting
    }
    if (reserve == null) {
      reserve = openReserve();
    }
    if (reserve == null) {
      long next = Math.min(2 * retryMillis, ACCEPT_BACKOFF_MILLIS);
      timers.at(clock.millis() + retryMillis, () -> resumeAccepting(next));
      return;
    }
    serverKey.interestOps(SelectionKey.OP_ACCEPT);
  }

  // ---- out of file descriptors ----

  private static boolean outOfDescriptors(IOException e) {
    String message = e.getMessage();
    return message != null && message.contains("Too many open files");
  }

  /**
   * Gives up the reserve descriptor to accept the clients waiting in the backlog one at a time,
   * tell each {@code too_many_connections} and close it, and takes it back each time.
   */
  private void turnAwayWithReserve() {
    for (int i = 0; i < 64 && reserve != null; i++) {
      closeQuietly(reserve);
      reserve = null;
      SocketChannel ch = null;
      boolean keptOpen = false;
      try {
        ch = server.accept();
        if (ch != null) {
          ch.configureBlocking(false);
          state.refused("descriptors");
          shortageRefusals.add();
          // Read what it sent (it decides the framing; data left unread would make the close a
          // reset), answer, close.
          firstBytes.clear();
          int got;
          do {
            got = ch.read(firstBytes);
          } while (got > 0 && firstBytes.hasRemaining());
          int n = firstBytes.position();
          if (n == 0 && got == 0) {
            // Nothing sent yet: it is told when its first bytes arrive (see tell and close).
            Connection refused = refuse(ch, Refusal.TOO_MANY_CONNECTIONS, null);
            refused.overLimit = true; // never counted as a connection
            waitingOnReserve = refused;
            keptOpen = true;
            return;
          }
          ch.write(
              ByteBuffer.wrap(
                  answer(
                      Refusal.TOO_MANY_CONNECTIONS,
                      Refusal.TOO_MANY_CONNECTIONS.message,
                      firstBytes.array(),
                      n)));
        }
      } catch (IOException e) {
        // This client is lost either way; the next one may fare better.
      } finally {
        if (!keptOpen) {
          if (ch != null) {
            closeQuietly(ch);
          }
          reserve = openReserve();
        }
        logShortage();
      }
      if (ch == null) {
        break;
      }
    }
  }

  /** Logs the descriptor shortage, at most once per {@link #LOG_INTERVAL_MILLIS}. */
  private void logShortage() {
    long refused = shortageRefusals.lineDue(clock.millis());
    if (refused >= 0) {
      log.warn(
          "Out of file descriptors: refusing connections",
          "refusedSinceLastLine",
          refused,
          "connections",
          state.connections,
          "maxConnections",
          maxConnections);
    }
  }

  /** Stops accepting for a moment: the listening socket would otherwise stay ready and spin. */
  private void pauseAccepting() {
    if (!serverKey.isValid() || serverKey.interestOps() == 0) {
      return;
    }
    serverKey.interestOps(0);
    timers.at(clock.millis() + ACCEPT_BACKOFF_MILLIS, () -> resumeAccepting(ACCEPT_BACKOFF_MILLIS));
  }

  private java.nio.channels.Channel openReserve() {
    try {
      return SocketChannel.open();
    } catch (IOException e) {
      return null; // out of descriptors now: taken again after the next refusal
    }
  }

  /** Releases the reserve descriptor (the broker is stopping). */
  void shutdown() {
    if (reserve != null) {
      closeQuietly(reserve);
      reserve = null;
    }
  }

  /**
   * {@code configured}, or less if the process may not open that many descriptors: the limit then
   * refuses a connection before the descriptors run out. Logs when it lowers it.
   */
  static int fitToDescriptors(int configured, BrokerLog log) {
    Descriptors descriptors = Descriptors.now();
    if (descriptors == null) {
      return configured;
    }
    long max = descriptors.max();
    long open = descriptors.open();
    long room = max - open - SPARE_DESCRIPTORS;
    if (max <= 0 || configured <= room) {
      return configured;
    }
    int lowered = (int) Math.max(1, room);
    log.warn(
        "maxConnections lowered to fit the file descriptor limit",
        "maxConnections",
        lowered,
        "configured",
        configured,
        "descriptorLimit",
        max,
        "open",
        open);
    return lowered;
  }

  private static void closeQuietly(java.nio.channels.Channel ch) {
    try {
      ch.close();
    } catch (IOException ignored) {
      // Nothing useful to do: the peer is gone either way.
    }
  }
}
