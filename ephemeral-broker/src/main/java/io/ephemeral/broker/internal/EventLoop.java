package io.ephemeral.broker.internal;

import io.ephemeral.broker.ActionHandler;
import io.ephemeral.broker.Clock;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The broker's single thread: a {@link Selector} over the listening socket and every connection,
 * owning the store, the leases and all connection state, Redis-style, so none of it needs locks.
 *
 * <p>Implementation notes.
 *
 * <ul>
 *   <li>Each turn: select until the next timer is due (or a task/wakeup arrives), handle ready
 *       channels, run queued tasks from other threads, run due timers. After a turn that did work,
 *       the next one first polls without blocking for up to {@code busyPollMicros} ({@link
 *       BusyPoll}, which stops polling while the host is busy), so a client's next request usually
 *       finds the thread awake instead of paying a wake-up.
 *   <li>Reading: one shared 64 KiB buffer; complete lines are dispatched straight from it and their
 *       responses appended to the connection's output. Outputs are written at the end of the turn,
 *       after every ready connection was read (one write per connection for all its pipelined
 *       requests), as Redis does: with 8 and 50 connections this measured a few per cent more
 *       requests per second than writing each connection's answers right after its read.
 *   <li>Backpressure: while a connection has {@link #pauseAt} bytes of unsent responses, its
 *       further requests wait, and it is read only while fewer than one read buffer of them wait,
 *       so a client that does not read (or reads slowly) cannot make the broker buffer without
 *       bound. Output can still grow by what other connections forward to it (gateway calls and
 *       responses): past {@code maxOutputBuffer} the connection is closed.
 *   <li>Stalls: a periodic check closes connections whose started request has not completed, or
 *       whose unsent output has not moved, within {@code stallTimeout}, and (if configured)
 *       connections idle for {@code connectionIdleTimeout}.
 *   <li>Time comes from the injected clock; a clock that jumps (tests) wakes the selector. Requests
 *       read it through {@link TurnClock}: once per turn, not once per request.
 *   <li>Stopping: nothing more is read; answers still queued are written for up to {@link
 *       #FINAL_FLUSH}, then every connection closes. A request line counts as accepted when it is
 *       dispatched; the exit log line says how many were accepted and how many of those stayed
 *       unanswered (their client went away or did not read).
 * </ul>
 */
final class EventLoop implements ConnectionControl {
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

  /** Most expired entries removed per loop turn, so a mass expiry never stalls clients. */
  static final int SWEEP_BUDGET = 10_000;

  /**
   * Turns in a row that may fail before the loop gives up: a failure that repeats every turn (a
   * broken selector or clock) would otherwise spin, one that passes costs nothing.
   */
  static final int MAX_FAILED_TURNS = 100;

  /** Longest a stopping broker spends writing answers already queued. */
  static final Duration FINAL_FLUSH = Duration.ofSeconds(1);

  private final BrokerConfig config;
  private final BrokerLog log;
  private final Clock clock;

  /** What requests see as now: {@link #clock} read once per turn. */
  private final TurnClock time;

  private final Selector selector;
  private final Metrics metrics;
  private final MemoryStore store;
  private final Leases leases;

  /** The KV actions on a shared store, or null when values and leases are in memory. */
  private final RemoteKvCommands remote;

  /** The coordination actions (setIfAbsent, incr, compute, barrier, acquire). */
  private final CoordinationActions coordination;

  private final LoopState state = new LoopState();

  /** What clients make the broker hold, against {@code maxMemory}. */
  private final MemoryBudget budget;

  private final Dispatcher dispatcher;
  private final CommandTable commands;
  private java.util.concurrent.ExecutorService providerThreads;
  private final GatewayEvents events;
  private final GatewayRouter router;
  private final java.util.ArrayList<Connection> dirty = new java.util.ArrayList<>();
  private final java.util.ArrayList<Connection> resumed = new java.util.ArrayList<>();
  private final ByteBuffer readBuffer = ByteBuffer.allocate(READ_BUFFER);
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();

  /** Unsent output at which a connection's further requests wait. */
  private final int pauseAt;

  private final int maxOutput;
  private final PriorityQueue<Timer> timers = new PriorityQueue<>();

  /** Accepts and refuses connections. */
  private final Admission admission;

  private final Runnable wakeup;
  private final BusyPoll busyPoll;
  private final java.util.function.Consumer<SelectionKey> keyHandler = this::handleKey;

  /** The last turn handled a channel or a task: the next one may busy-poll before sleeping. */
  private boolean busy;

  private volatile boolean shutdownRequested;

  /** Set by the loop thread before it stops itself on a failure it cannot get past. */
  private volatile Throwable failure;

  private Thread thread;
  private Runnable onSelfStop;

  /** A task due at a clock time. */
  private static final class Timer implements Comparable<Timer> {
    long due;
    final Runnable task;
    final long retryMillis;

    Timer(long due, Runnable task, long retryMillis) {
      this.due = due;
      this.task = task;
      this.retryMillis = retryMillis;
    }

    @Override
    public int compareTo(Timer o) {
      return Long.compare(due, o.due);
    }
  }

  EventLoop(BrokerConfig config, BrokerLog log, ServerSocketChannel server, PeerCheck peers)
      throws IOException {
    this.config = config;
    this.log = log;
    this.clock = config.clock();
    this.time = new TurnClock(clock);
    this.selector = Selector.open();
    this.admission =
        new Admission(
            config, log, state, peers, selector, server, (due, task) -> schedule(due, task, 0));
    state.budget = new MemoryBudget(config.maxMemory());
    this.budget = state.budget;
    this.metrics = new Metrics(config.metrics());
    this.maxOutput = config.maxOutputBuffer();
    this.pauseAt = Math.min(OUTPUT_HIGH_WATER, maxOutput);
    this.store = new MemoryStore(config.maxItems(), config.evictionPolicy(), metrics, budget);
    this.leases = new Leases(metrics, budget);
    this.events =
        new GatewayEvents(log, config.debug() || config.logLevel() == BrokerConfig.LogLevel.DEBUG);
    config.gatewayListeners().forEach(events::add);
    this.router = new GatewayRouter(config, log, events, this, state);
    CommandTable commands = new CommandTable();
    KvCommands kv = null;
    if (config.store() != null) {
      // Values and leases live in a shared store; the memory store and leases stay empty.
      remote = new RemoteKvCommands(config, config.store(), metrics, state, log, this::execute);
      remote.registerAll(commands);
      if (config.store().coordination() != null) {
        RemoteCoordination shared = new RemoteCoordination(config, config.store(), remote, state);
        shared.registerAll(commands);
        coordination = shared;
      } else {
        coordination = null; // the actions are unknown to a broker whose store lacks them
      }
    } else {
      remote = null;
      kv = new KvCommands(config, time, store, leases, metrics, state, log);
      kv.registerAll(commands);
      MemoryCoordination memory = new MemoryCoordination(config, store, kv, time, state);
      memory.registerAll(commands);
      coordination = memory;
    }
    if (kv != null && !config.providers().isEmpty()) {
      providerThreads =
          java.util.concurrent.Executors.newCachedThreadPool(
              r -> {
                Thread t = new Thread(r, "ephemeral-broker-provider");
                t.setDaemon(true);
                return t;
              });
      kv.providers(providerThreads, this::execute);
    }
    new GatewayCommands(router).registerAll(commands);
    commands.add(
        new Command(
            "metrics",
            null,
            null,
            Command.Ttl.IGNORED,
            false,
            new MetricsReport(metrics, commands, state, router, config.metrics())::handle));
    this.dispatcher = new Dispatcher(config, commands, metrics, log, state, this);
    this.commands = commands;
    config.actions().forEach(this::addAction);
    this.wakeup = selector::wakeup;
    this.busyPoll = BusyPoll.of(TimeUnit.MICROSECONDS.toNanos(config.busyPollMicros()));
  }

  void start(Runnable onSelfStop) {
    this.onSelfStop = onSelfStop;
    long now = clock.millis();
    state.startedAt = now;
    lastHeartbeatAt = now;
    state.lastActivity = now;
    schedule(now + config.sweeperIntervalMillis(), this::sweep, config.sweeperIntervalMillis());
    if (config.idleTimeoutMillis() > 0) {
      schedule(now + config.idleTimeoutMillis(), this::checkIdle, config.idleTimeoutMillis());
    }
    if (config.heartbeatIntervalMillis() > 0) {
      schedule(
          now + config.heartbeatIntervalMillis(),
          this::heartbeat,
          config.heartbeatIntervalMillis());
    }
    schedule(now + staleCheckInterval(), this::checkStaleServices, staleCheckInterval());
    schedule(now + connectionCheckInterval(), this::checkConnections, connectionCheckInterval());
    clock.addJumpListener(wakeup);
    thread = new Thread(this::run, "ephemeral-broker-loop");
    thread.setDaemon(true);
    thread.start();
  }

  /** Runs a task on the loop thread. */
  void execute(Runnable task) {
    tasks.add(task);
    selector.wakeup();
  }

  /**
   * Computes something on the loop thread and waits for it. Fails at once (IllegalStateException)
   * if the loop is stopping or stops while waiting, so no caller waits for a loop that is gone.
   */
  <T> T call(Supplier<T> work, Duration timeout) {
    if (shutdownRequested) {
      throw new IllegalStateException("the broker is stopping");
    }
    CompletableFuture<T> result = new CompletableFuture<>();
    execute(
        () -> {
          try {
            result.complete(work.get());
          } catch (RuntimeException e) {
            result.completeExceptionally(e);
          }
        });
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        return result.get(20, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the broker", e);
      } catch (ExecutionException e) {
        throw new IllegalStateException(e.getCause());
      } catch (TimeoutException e) {
        if (shutdownRequested || !thread.isAlive()) {
          throw new IllegalStateException("the broker stopped");
        }
        if (System.nanoTime() - deadline > 0) {
          throw new IllegalStateException("the broker did not answer within " + timeout);
        }
      }
    }
  }

  /** Client connections open now (loop thread). */
  int openConnections() {
    return state.connections;
  }

  /** Stops taking connections and waits until everything received has been answered. */
  boolean drain(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      call(() -> state.draining = true, Duration.ofSeconds(5));
      while (true) {
        if (call(this::idle, Duration.ofSeconds(5))) {
          return true;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        // Polling keeps the loop free of drain bookkeeping; drains are rare and short.
        Thread.sleep(Math.min(5, TimeUnit.NANOSECONDS.toMillis(left) + 1));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (IllegalStateException loopGone) {
      return true;
    }
  }

  /** Ends the loop, closes every connection, clears all state; waits for the thread. */
  void shutdown() {
    if (thread == null) {
      closeEverything(); // never started: nothing else would release the selector
      return;
    }
    shutdownRequested = true;
    selector.wakeup();
    clock.removeJumpListener(wakeup);
    if (thread != null && Thread.currentThread() != thread) {
      try {
        thread.join(TimeUnit.SECONDS.toMillis(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void run() {
    int failedTurns = 0;
    try {
      while (!shutdownRequested) {
        try {
          turn();
          failedTurns = 0;
        } catch (ClosedSelectorException e) {
          throw e;
        } catch (Throwable t) {
          // Requests, tasks and timers have guards of their own: only the loop's own work gets
          // here (the selector, the clock). Go on unless it keeps failing turn after turn.
          if (++failedTurns < MAX_FAILED_TURNS) {
            log.error("Event loop turn failed; going on", t);
            continue;
          }
          log.error("Event loop failed " + failedTurns + " turns in a row; stopping the broker", t);
          failure = t;
          onSelfStop.run();
          return;
        }
      }
    } catch (ClosedSelectorException e) {
      // shutdown raced with select; fall through to cleanup
    } finally {
      closeEverything();
    }
  }

  /** Why the loop stopped by itself, or null (still running, stopped on request, idle timeout). */
  Throwable failure() {
    return failure;
  }

  private void turn() throws IOException {
    time.tick();
    long delay = millisUntilNextTimer();
    int ready;
    // Ready keys go straight to handleKey (no selected-key set to fill, iterate and clear).
    if (!tasks.isEmpty()
        || delay == 0
        || !resumed.isEmpty()
        || remote != null && remote.hasOutgoing()) {
      ready = selector.selectNow(keyHandler);
    } else {
      ready = busy ? busyPoll.run(this::pollOnce) : 0;
      // The busy poll's selectNow() takes any wake-up for itself, a stop's too: look at the flag
      // after it, or the loop would sleep until its next timer.
      if (ready == 0 && tasks.isEmpty() && !shutdownRequested) {
        // select(0) blocks without limit, which is what "no timer" means.
        long sleptFrom = System.nanoTime();
        ready = selector.select(keyHandler, delay < 0 ? 0 : delay);
        if (ready > 0) {
          busyPoll.sleptFor(System.nanoTime() - sleptFrom);
        }
      }
    }
    busy = ready > 0;
    // Tasks and timers read the time afresh: a task may come from a thread that has just moved a
    // manual clock, and a timer is due by the clock itself.
    time.tick();
    Runnable task;
    while ((task = tasks.poll()) != null) {
      busy = true;
      runSafely(task);
    }
    time.tick();
    runDueTimers();
    continueResumed();
    if (remote != null) {
      remote.sendBatches(); // the turn's store calls of every connection, in one pipeline
    }
    flushDirty();
  }

  /**
   * One poll of the busy-poll window ({@link BusyPoll}, only after a turn that did work, so a quiet
   * broker sleeps in select): ready channels are handled; a queued task counts as ready.
   */
  private int pollOnce() throws IOException {
    int ready = selector.selectNow(keyHandler);
    return ready > 0 || tasks.isEmpty() ? ready : 1;
  }

  private void handleKey(SelectionKey key) {
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
  private void continueResumed() {
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
  private void flushDirty() {
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

  private boolean idle() {
    if (state.inFlight > 0
        || router.pendingCalls() > 0
        || leases.waiters() > 0
        || (coordination instanceof MemoryCoordination m && m.waiting() > 0)) {
      return false;
    }
    for (SelectionKey key : selector.keys()) {
      if (key.attachment() instanceof Connection) {
        Connection c = (Connection) key.attachment();
        if (c.inLen > 0 && indexOfNewline(c.in, 0, c.inLen) >= 0) {
          return false;
        }
      }
    }
    return true;
  }

  private void closeEverything() {
    try {
      writeWhatIsAnswered();
      for (SelectionKey key : selector.keys()) {
        if (key.attachment() instanceof Connection) {
          Connection c = (Connection) key.attachment();
          state.unanswered += owed(c);
          c.unflushed = 0;
          closeQuietly(c.channel);
        }
      }
      selector.close();
    } catch (IOException | ClosedSelectorException ignored) {
      // Closing is best effort; the channels are closed either way.
    }
    admission.shutdown();
    log.info(
        "Requests answered",
        "accepted",
        state.requestsAccepted,
        "answered",
        state.requestsAccepted - state.unanswered,
        "unanswered",
        state.unanswered);
    if (providerThreads != null) {
      providerThreads.shutdownNow();
    }
    if (remote != null) {
      remote.shutdown();
    }
    clearState();
  }

  /**
   * Forgets every key, lease, service, timer and task; also lets tests reuse a loop they never
   * started.
   */
  void clearState() {
    store.clear();
    leases.clear();
    if (coordination instanceof MemoryCoordination m) {
      m.clear();
    }
    router.clear();
    timers.clear();
    tasks.clear();
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

  // ---- timers ----

  /**
   * A periodic task that schedules itself: if it fails, it runs again after {@code retryMillis}.
   */
  private void schedule(long due, Runnable task, long retryMillis) {
    timers.add(new Timer(due, task, retryMillis));
  }

  /** -1: no timer; 0: one is due; otherwise milliseconds until the next one. */
  private long millisUntilNextTimer() {
    Timer next = timers.peek();
    long due =
        Math.min(
            Math.min(next == null ? Long.MAX_VALUE : next.due, router.nextDeadline()),
            Math.min(
                leases.nextDeadline(),
                coordination == null ? Long.MAX_VALUE : coordination.nextDeadline()));
    if (due == Long.MAX_VALUE) {
      return -1;
    }
    return Math.max(0, due - clock.millis());
  }

  private void runDueTimers() {
    long now = clock.millis();
    try {
      router.expireCalls(now);
      if (coordination != null) {
        coordination.expire(now);
      }
      if (leases.waiters() > 0) {
        leases.expireWaiters(now);
        leases.purgeExpired(now); // an expired holder frees a slot for the longest waiter
      }
    } catch (Throwable e) {
      log.error("Expiring calls or waits failed; the rest is retried next turn", e);
    }
    Timer t;
    while ((t = timers.peek()) != null && t.due <= now) {
      timers.poll();
      if (!runSafely(t.task) && t.retryMillis > 0) {
        // A periodic check schedules its next run as it ends; one that failed did not.
        schedule(now + t.retryMillis, t.task, t.retryMillis);
      }
    }
  }

  /** Runs a task or timer; a failure of any kind is logged, never thrown into the loop. */
  private boolean runSafely(Runnable task) {
    try {
      task.run();
      return true;
    } catch (Throwable e) {
      log.error("Broker task failed", e);
      return false;
    }
  }

  private void sweep() {
    long now = clock.millis();
    if (remote != null) {
      remote.sweep(SWEEP_BUDGET);
    }
    int removed = store.sweep(now, SWEEP_BUDGET);
    removed += leases.sweep(now, SWEEP_BUDGET);
    if (removed > 0 && log.debugEnabled()) {
      log.debug("Swept expired entries", "removed", removed);
    }
    // More due than the budget allowed: continue next turn instead of waiting a whole interval.
    boolean more = store.hasDue(now) || leases.hasDue(now);
    schedule(
        more ? now : now + config.sweeperIntervalMillis(),
        this::sweep,
        config.sweeperIntervalMillis());
  }

  private void checkIdle() {
    long now = clock.millis();
    long idleFor = now - state.lastActivity;
    if (idleFor >= config.idleTimeoutMillis() && state.inFlight == 0) {
      log.info("Idle timeout reached, shutting down", "idleMs", idleFor);
      shutdownRequested = true;
      onSelfStop.run();
      return;
    }
    schedule(
        Math.max(now + 1, state.lastActivity + config.idleTimeoutMillis()),
        this::checkIdle,
        config.idleTimeoutMillis());
  }

  private long connectionCheckInterval() {
    long shortest = config.stallTimeoutMillis();
    if (config.connectionIdleTimeoutMillis() > 0) {
      shortest = Math.min(shortest, config.connectionIdleTimeoutMillis());
    }
    return Math.max(1, shortest / 4);
  }

  /**
   * Closes stalled connections: an incomplete request not finished within the stall timeout (a
   * half-open or trickling client), output that has not moved for that long (a client that stopped
   * reading), and, if configured, connections idle for the idle timeout. Requests waiting on the
   * broker itself (a parked lease or provider request) are never a stall.
   */
  private void checkConnections() {
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
    schedule(now + connectionCheckInterval(), this::checkConnections, connectionCheckInterval());
  }

  private long staleCheckInterval() {
    return Math.max(1000, config.staleServiceTimeoutMillis() / 4);
  }

  private long lastHeartbeatAt;
  private long lastHeartbeatRequests;

  private void checkStaleServices() {
    long now = clock.millis();
    router.evictStale(now);
    schedule(now + staleCheckInterval(), this::checkStaleServices, staleCheckInterval());
  }

  /** Adds a custom action to the command table (loop thread, or before the loop starts). */
  void addAction(String name, ActionHandler handler) {
    commands.add(CustomAction.command(name, handler, dispatcher.view()));
  }

  GatewayEvents events() {
    return events;
  }

  GatewayRouter router() {
    return router;
  }

  private void heartbeat() {
    long now = clock.millis();
    Runtime rt = Runtime.getRuntime();
    long usedMb = (rt.totalMemory() - rt.freeMemory()) / (1024 * 1024);
    long requests = metrics.requests();
    long seconds = Math.max(1, (now - lastHeartbeatAt) / 1000);
    long opsPerSecond = (requests - lastHeartbeatRequests) / seconds;
    lastHeartbeatAt = now;
    lastHeartbeatRequests = requests;
    log.info(
        "Heartbeat",
        "uptimeSeconds",
        (now - state.startedAt) / 1000,
        "items",
        store.size(),
        "leases",
        leases.size(),
        "services",
        router.serviceNames().size(),
        "connections",
        state.connections,
        "inFlight",
        state.inFlight,
        "memoryMB",
        usedMb,
        "opsPerSecond",
        opsPerSecond);
    schedule(
        now + config.heartbeatIntervalMillis(), this::heartbeat, config.heartbeatIntervalMillis());
  }

  private static void closeQuietly(SocketChannel ch) {
    try {
      ch.close();
    } catch (IOException ignored) {
      // Nothing useful to do: the peer is gone either way.
    }
  }
}
