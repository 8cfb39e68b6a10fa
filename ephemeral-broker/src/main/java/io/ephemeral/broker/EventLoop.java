package io.ephemeral.broker;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
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
 *       channels, run queued tasks from other threads, run due timers.
 *   <li>Reading: one shared 64 KiB buffer; complete lines are dispatched straight from it and
 *       their responses appended to the connection's output, which is written once after the
 *       read (one write for all pipelined requests of that read).
 *   <li>Backpressure: while a connection has {@link #OUTPUT_HIGH_WATER} bytes of unsent
 *       responses, its further lines wait and it is not read, so a client that does not read
 *       cannot make the broker buffer without bound.
 *   <li>Time comes from the injected clock; a clock that jumps (tests) wakes the selector.
 * </ul>
 */
final class EventLoop implements ConnectionControl {
  static final int READ_BUFFER = 64 * 1024;
  static final int OUTPUT_HIGH_WATER = 1 << 20;
  /** Most expired entries removed per loop turn, so a mass expiry never stalls clients. */
  static final int SWEEP_BUDGET = 10_000;
  private static final byte[] DRAINING = "{\"ok\":false,\"error\":\"draining\"}\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] TOO_MANY = ("{\"ok\":false,\"error\":\"too_many_connections\",\"message\":"
      + "\"the broker has reached its connection limit\"}\n").getBytes(StandardCharsets.US_ASCII);

  private final BrokerConfig config;
  private final BrokerLog log;
  private final Clock clock;
  private final Selector selector;
  private final ServerSocketChannel server;
  private final Metrics metrics;
  private final MemoryStore store;
  private final Leases leases;
  private final LoopState state = new LoopState();
  private final Dispatcher dispatcher;
  private final CommandTable commands;
  private java.util.concurrent.ExecutorService providerThreads;
  private final GatewayEvents events;
  private final GatewayRouter router;
  private final java.util.ArrayList<Connection> dirty = new java.util.ArrayList<>();
  private final java.util.ArrayList<Connection> resumed = new java.util.ArrayList<>();
  private final ByteBuffer readBuffer = ByteBuffer.allocate(READ_BUFFER);
  private final PeerCheck peers;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final PriorityQueue<Timer> timers = new PriorityQueue<>();
  private final Runnable wakeup;
  private volatile boolean shutdownRequested;
  private Thread thread;
  private Runnable onSelfStop;

  /** A task due at a clock time. */
  private static final class Timer implements Comparable<Timer> {
    long due;
    final Runnable task;

    Timer(long due, Runnable task) {
      this.due = due;
      this.task = task;
    }

    @Override
    public int compareTo(Timer o) {
      return Long.compare(due, o.due);
    }
  }

  EventLoop(BrokerConfig config, BrokerLog log, ServerSocketChannel server, PeerCheck peers) throws IOException {
    this.peers = peers;
    this.config = config;
    this.log = log;
    this.clock = config.clock();
    this.server = server;
    this.selector = Selector.open();
    server.register(selector, SelectionKey.OP_ACCEPT);
    this.metrics = new Metrics(config.metrics());
    this.store = new MemoryStore(config.maxItems(), config.evictionPolicy(), metrics);
    this.leases = new Leases(metrics);
    this.events = new GatewayEvents(log, config.debug() || config.logLevel() == BrokerConfig.LogLevel.DEBUG);
    config.gatewayListeners().forEach(events::add);
    this.router = new GatewayRouter(config, log, events, this);
    CommandTable commands = new CommandTable();
    KvCommands kv = new KvCommands(config, store, leases, metrics, state, log, this);
    kv.registerAll(commands);
    if (!config.providers().isEmpty()) {
      providerThreads = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "ephemeral-broker-provider");
        t.setDaemon(true);
        return t;
      });
      kv.providers(providerThreads, this::execute);
    }
    new GatewayCommands(router).registerAll(commands);
    commands.add(new Command("metrics", null, null, Command.Ttl.IGNORED, false,
        new MetricsReport(metrics, commands, state, router, config.metrics())::handle));
    this.dispatcher = new Dispatcher(config, commands, metrics, log);
    this.commands = commands;
    config.actions().forEach(this::addAction);
    this.wakeup = selector::wakeup;
  }

  void start(Runnable onSelfStop) {
    this.onSelfStop = onSelfStop;
    long now = clock.millis();
    state.startedAt = now;
    lastHeartbeatAt = now;
    state.lastActivity = now;
    schedule(now + config.sweeperIntervalMillis(), this::sweep);
    if (config.idleTimeoutMillis() > 0) {
      schedule(now + config.idleTimeoutMillis(), this::checkIdle);
    }
    if (config.heartbeatIntervalMillis() > 0) {
      schedule(now + config.heartbeatIntervalMillis(), this::heartbeat);
    }
    schedule(now + staleCheckInterval(), this::checkStaleServices);
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
    execute(() -> {
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
    try {
      while (!shutdownRequested) {
        turn();
      }
    } catch (ClosedSelectorException e) {
      // shutdown raced with select; fall through to cleanup
    } catch (Throwable t) {
      log.error("Event loop failed; stopping the broker", t);
      onSelfStop.run();
    } finally {
      closeEverything();
    }
  }

  private void turn() throws IOException {
    long delay = millisUntilNextTimer();
    int ready;
    if (!tasks.isEmpty() || delay == 0) {
      ready = selector.selectNow();
    } else {
      // select(0) blocks without limit, which is what "no timer" means.
      ready = selector.select(delay < 0 ? 0 : delay);
    }
    if (ready > 0) {
      Iterator<SelectionKey> it = selector.selectedKeys().iterator();
      while (it.hasNext()) {
        SelectionKey key = it.next();
        it.remove();
        handleKey(key);
      }
    }
    Runnable task;
    while ((task = tasks.poll()) != null) {
      runSafely(task);
    }
    runDueTimers();
    continueResumed();
    flushDirty();
  }

  private void handleKey(SelectionKey key) {
    Object attachment = key.attachment();
    if (attachment == null) {
      acceptAll();
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
      // Whatever a client managed to provoke costs that client its connection, never the broker.
      log.error("Closing a connection after an unexpected failure", t);
      close(c);
    }
  }

  private void acceptAll() {
    for (int i = 0; i < 64; i++) {
      SocketChannel ch;
      try {
        ch = server.accept();
      } catch (IOException e) {
        log.warn("Accept failed", "error", e.getMessage());
        return;
      }
      if (ch == null) {
        return;
      }
      try {
        ch.configureBlocking(false);
        if (state.connections >= config.maxConnections()) {
          log.warn("Refused a connection: limit reached", "maxConnections", config.maxConnections());
          ch.write(ByteBuffer.wrap(TOO_MANY));
          ch.close();
          state.refused("limit");
          continue;
        }
        String refusal = peers.refusal(ch);
        if (refusal != null) {
          log.warn("Refused a connection", "reason", refusal);
          refuse(ch, forbidden(refusal), "peer_credentials");
          continue;
        }
        if (state.draining) {
          refuse(ch, DRAINING, "draining");
          continue;
        }
        state.connectionsAccepted++;
        Connection c = new Connection(ch);
        c.key = ch.register(selector, SelectionKey.OP_READ, c);
        state.connections++;
      } catch (IOException e) {
        closeQuietly(ch);
      }
    }
  }

  /**
   * Answers why, then half-closes: the client can still write its request and read the answer
   * (closing at once could make its write fail before it reads why). Closed on its EOF.
   */
  private void refuse(SocketChannel ch, byte[] answer, String reason) throws IOException {
    ch.write(ByteBuffer.wrap(answer));
    ch.shutdownOutput();
    Connection refused = new Connection(ch);
    refused.refusing = true;
    refused.key = ch.register(selector, SelectionKey.OP_READ, refused);
    state.connections++;
    state.refused(reason);
  }

  private static byte[] forbidden(String why) {
    StringBuilder line = new StringBuilder("{\"ok\":false,\"error\":\"forbidden\",\"message\":");
    io.ephemeral.protocol.JsJson.quote("connection refused: " + why, line);
    return line.append("}\n").toString().getBytes(StandardCharsets.UTF_8);
  }

  private void onReadable(Connection c) throws IOException {
    ByteBuffer rb = readBuffer;
    rb.clear();
    int n = c.channel.read(rb);
    if (c.refusing) {
      if (n < 0) {
        close(c);
      }
      return; // refused while draining: whatever it sends is discarded
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
    flush(c);
  }

  /**
   * Takes {@code n} bytes just read from {@code c}: answers every complete line or frame into
   * {@code c.out} and keeps an unfinished one. No I/O, so tests can feed a connection without a
   * socket.
   */
  void received(Connection c, byte[] data, int n) {
    state.lastActivity = clock.millis();
    if (c.protocol == Connection.UNKNOWN) {
      // A gateway frame starts with a 4-byte big-endian length: its first byte is 0 for any
      // frame under 16 MiB. A JSON line never starts with a NUL byte.
      c.protocol = data[0] == 0 ? Connection.FRAMES : Connection.LINES;
    }
    if (c.inLen > 0) {
      c.keepInput(data, 0, n);
      c.consumeInput(consume(c, c.in, 0, c.inLen));
    } else {
      int used = consume(c, data, 0, n);
      if (used < n) {
        c.keepInput(data, used, n);
      }
    }
  }

  private void onWritable(Connection c) throws IOException {
    flush(c);
    if (c.out.size() < OUTPUT_HIGH_WATER / 2 && c.inLen > 0 && c.key.isValid()) {
      // Input held back while the client was not reading.
      c.consumeInput(consume(c, c.in, 0, c.inLen));
      flush(c);
    }
  }

  private int consume(Connection c, byte[] buf, int from, int to) {
    if (c.parked) {
      return from; // answered in order: nothing more until the parked request is answered
    }
    return c.protocol == Connection.FRAMES ? processFrames(c, buf, from, to) : process(c, buf, from, to);
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
      if (c.out.size() >= OUTPUT_HIGH_WATER || to - pos < 4) {
        break;
      }
      long size = ((buf[pos] & 0xFFL) << 24) | ((buf[pos + 1] & 0xFF) << 16) | ((buf[pos + 2] & 0xFF) << 8)
          | (buf[pos + 3] & 0xFF);
      if (size > config.maxFrameSize()) {
        router.frameTooLarge(c, size);
        c.skipBytes = size;
        pos += 4;
        continue;
      }
      if (to - pos - 4 < size) {
        break;
      }
      router.onFrame(c, buf, pos + 4, (int) size);
      pos += 4 + (int) size;
    }
    return pos;
  }

  /** Dispatches complete lines in buf[from, to); returns how far it consumed. */
  private int process(Connection c, byte[] buf, int from, int to) {
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
      if (c.out.size() >= OUTPUT_HIGH_WATER) {
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
      c.unflushed++;
      if (nl - pos > max) {
        dispatcher.tooLarge(c.out);
      } else {
        dispatcher.handle(c, buf, pos, nl - pos);
      }
      pos = nl + 1;
      if (c.parked) {
        break;
      }
    }
    return pos;
  }

  private void respondTooLarge(Connection c) {
    state.inFlight++;
    c.unflushed++;
    dispatcher.tooLarge(c.out);
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
    boolean done = c.out.writeTo(c.channel);
    if (done) {
      state.inFlight -= c.unflushed;
      c.unflushed = 0;
      if (c.out.capacity() > 64 * 1024) {
        c.out.release();
      }
      if (c.inputClosed || c.closeAfterFlush) {
        close(c);
        return;
      }
    }
    int ops = 0;
    if (!done) {
      ops |= SelectionKey.OP_WRITE;
    }
    // A parked connection is still read (a little), so a client that gives up is noticed.
    if (!c.inputClosed && c.out.size() < OUTPUT_HIGH_WATER && (!c.parked || c.inLen < READ_BUFFER)) {
      ops |= SelectionKey.OP_READ;
    }
    if (c.key.isValid() && c.key.interestOps() != ops) {
      c.key.interestOps(ops);
    }
  }

  @Override
  public void close(Connection c) {
    if (c.key != null && c.key.isValid()) {
      c.key.cancel();
      state.connections--;
      state.inFlight -= c.unflushed;
      c.unflushed = 0;
      closeQuietly(c.channel);
      if (c.protocol == Connection.FRAMES) {
        router.onClose(c);
      }
      if (c.cancelParked != null) {
        c.cancelParked.run();
        c.cancelParked = null;
      }
    }
    closeQuietly(c.channel);
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

  @Override
  public void resume(Connection c) {
    c.parked = false;
    markDirty(c);
    if (!c.resumeQueued) {
      c.resumeQueued = true;
      resumed.add(c);
    }
  }

  /**
   * Continues connections whose parked request was answered. Deferred to the end of the turn:
   * the answer may come while another connection's request is being handled.
   */
  private void continueResumed() {
    for (int i = 0; i < resumed.size(); i++) {
      Connection c = resumed.get(i);
      c.resumeQueued = false;
      if (c.key != null && c.key.isValid() && c.inLen > 0) {
        c.consumeInput(consume(c, c.in, 0, c.inLen));
        markDirty(c);
      }
    }
    resumed.clear();
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
      }
    }
    dirty.clear();
  }


  private boolean idle() {
    if (state.inFlight > 0 || router.pendingCalls() > 0 || leases.waiters() > 0) {
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
      for (SelectionKey key : selector.keys()) {
        if (key.attachment() instanceof Connection) {
          closeQuietly(((Connection) key.attachment()).channel);
        }
      }
      selector.close();
    } catch (IOException | ClosedSelectorException ignored) {
      // Closing is best effort; the channels are closed either way.
    }
    if (providerThreads != null) {
      providerThreads.shutdownNow();
    }
    clearState();
  }

  /** Forgets every key, lease, service, timer and task; also lets tests reuse a loop they never started. */
  void clearState() {
    store.clear();
    leases.clear();
    router.clear();
    timers.clear();
    tasks.clear();
  }

  // ---- timers ----

  private void schedule(long due, Runnable task) {
    timers.add(new Timer(due, task));
  }

  /** -1: no timer; 0: one is due; otherwise milliseconds until the next one. */
  private long millisUntilNextTimer() {
    Timer next = timers.peek();
    long due = Math.min(Math.min(next == null ? Long.MAX_VALUE : next.due, router.nextDeadline()), leases.nextDeadline());
    if (due == Long.MAX_VALUE) {
      return -1;
    }
    return Math.max(0, due - clock.millis());
  }

  private void runDueTimers() {
    long now = clock.millis();
    router.expireCalls(now);
    if (leases.waiters() > 0) {
      leases.expireWaiters(now);
      leases.purgeExpired(now); // an expired holder frees a slot for the longest waiter
    }
    Timer t;
    while ((t = timers.peek()) != null && t.due <= now) {
      timers.poll();
      runSafely(t.task);
    }
  }

  private void runSafely(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException e) {
      log.error("Broker task failed", e);
    }
  }

  private void sweep() {
    long now = clock.millis();
    int removed = store.sweep(now, SWEEP_BUDGET);
    removed += leases.sweep(now, SWEEP_BUDGET);
    if (removed > 0 && log.debugEnabled()) {
      log.debug("Swept expired entries", "removed", removed);
    }
    // More due than the budget allowed: continue next turn instead of waiting a whole interval.
    boolean more = store.hasDue(now) || leases.hasDue(now);
    schedule(more ? now : now + config.sweeperIntervalMillis(), this::sweep);
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
    schedule(Math.max(now + 1, state.lastActivity + config.idleTimeoutMillis()), this::checkIdle);
  }

  private long staleCheckInterval() {
    return Math.max(1000, config.staleServiceTimeoutMillis() / 4);
  }

  private long lastHeartbeatAt;
  private long lastHeartbeatRequests;

  private void checkStaleServices() {
    long now = clock.millis();
    router.evictStale(now);
    schedule(now + staleCheckInterval(), this::checkStaleServices);
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
    log.info("Heartbeat", "uptimeSeconds", (now - state.startedAt) / 1000, "items", store.size(),
        "leases", leases.size(), "services", router.serviceNames().size(), "connections", state.connections,
        "inFlight", state.inFlight, "memoryMB", usedMb, "opsPerSecond", opsPerSecond);
    schedule(now + config.heartbeatIntervalMillis(), this::heartbeat);
  }

  private static void closeQuietly(SocketChannel ch) {
    try {
      ch.close();
    } catch (IOException ignored) {
      // Nothing useful to do: the peer is gone either way.
    }
  }
}
