package io.ephemeral.broker.internal;

import io.ephemeral.broker.store.RemoteStore;
import java.io.IOException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The event loop's own connection to a shared store ({@link RemoteStore.LoopConnection}), through
 * which {@link RemoteKvCommands} sends each turn's batches: the loop writes the calls at the end of
 * its turn and reads the answers when its selector says they are there, so a call costs no hand-off
 * to a store thread and back (two thread wake-ups, which a busy host stretches to milliseconds).
 * Loop thread only, but for the opening, which runs on a store thread.
 *
 * <p>Implementation notes.
 *
 * <ul>
 *   <li>While there is no connection (not made yet, lost, or the store offers none) the caller
 *       sends through the store threads and asks for one ({@link #open}); the threads also serve
 *       every call outside a turn's batches (sweeps, polls of waiting leases, background releases).
 *       A lost connection is made again on a store thread, at most once per {@link #RETRY_MILLIS}.
 *   <li>A store answers a connection's calls in the order they were sent, so the send times form a
 *       queue whose head is the oldest call still due. While calls are out, a timer on the store's
 *       timer thread looks at that head; once it has waited longer than the connection's timeout
 *       with no answer arriving meanwhile, the connection counts as lost and its calls are answered
 *       {@code store_unavailable} (their outcome is unknown), as a store thread's call would be.
 * </ul>
 */
final class StoreConnection {
  /** Least time between two attempts to make the connection. */
  static final long RETRY_MILLIS = 1000;

  private final RemoteStore store;
  private final Selector selector;
  private final Consumer<Runnable> onLoop;
  private final BiConsumer<Runnable, Runnable> onStoreThread;
  private final ScheduledExecutorService timer;
  private final BrokerLog log;

  private RemoteStore.LoopConnection connection;
  private SelectionKey key;

  /** Send times (System.nanoTime) of the batches still due, oldest first. */
  private final ArrayDeque<Long> sentAt = new ArrayDeque<>();

  /** When the store's answers last came (System.nanoTime). */
  private long answeredAt;

  private ScheduledFuture<?> timeoutCheck;
  private boolean opening;
  private boolean unflushed;
  private boolean closed;

  /** The store offers no loop connection: never ask again. */
  private boolean none;

  /** System.nanoTime before which no new attempt is made. */
  private long retryAt;

  /**
   * @param onStoreThread runs its first task on a store thread, or its second on the loop when the
   *     store threads are gone
   */
  StoreConnection(
      RemoteStore store,
      Selector selector,
      Consumer<Runnable> onLoop,
      BiConsumer<Runnable, Runnable> onStoreThread,
      ScheduledExecutorService timer,
      BrokerLog log) {
    this.store = store;
    this.selector = selector;
    this.onLoop = onLoop;
    this.onStoreThread = onStoreThread;
    this.timer = timer;
    this.log = log;
  }

  /**
   * Queues a batch on the connection, which must be open ({@link #isOpen}); {@code done} gets its
   * results on the loop thread.
   */
  void send(List<RemoteStore.Call<?>> calls, Consumer<List<Object>> done) {
    RemoteStore.LoopConnection c = connection;
    sentAt.add(System.nanoTime());
    c.send(
        calls,
        results -> {
          sentAt.poll();
          done.accept(results);
        });
    unflushed = true;
    if (timeoutCheck == null) {
      checkTimeoutIn(c.timeoutMillis());
    }
  }

  /** Writes what is queued (end of the loop turn); waits for the channel if it is full. */
  void flush() {
    RemoteStore.LoopConnection c = connection;
    if (c == null || !unflushed) {
      return;
    }
    try {
      boolean all = c.flush();
      unflushed = !all;
      int wanted = all ? SelectionKey.OP_READ : SelectionKey.OP_READ | SelectionKey.OP_WRITE;
      if (key.interestOps() != wanted) {
        key.interestOps(wanted); // queues an update for the selector's next select: only on change
      }
    } catch (IOException | CancelledKeyException e) {
      lost("writing to it failed: " + e.getMessage());
    }
  }

  /** The selector found the connection ready: reads the answers, writes what waits. */
  void onReady(SelectionKey ready) {
    RemoteStore.LoopConnection c = connection;
    if (c == null || ready != key) {
      ready.cancel();
      return;
    }
    try {
      if (ready.isValid() && ready.isWritable()) {
        flush();
      }
      if (connection == c && ready.isValid() && ready.isReadable()) {
        answeredAt = System.nanoTime();
        c.read();
        unflushed = true; // reading may queue follow-up calls (removing expired items)
      }
    } catch (IOException | CancelledKeyException e) {
      lost(e.getMessage() == null ? e.toString() : e.getMessage());
    } catch (RuntimeException e) {
      // A defect in reading the answers: the calls out still get theirs, from a new connection.
      log.error("Reading the store's answers failed", e);
      lost("reading its answers failed: " + e);
    }
  }

  /** Whether the connection is made now. */
  boolean isOpen() {
    return connection != null;
  }

  /** Makes the connection on a store thread, unless it is there, being made or recently failed. */
  void open() {
    if (none || opening || closed || System.nanoTime() - retryAt < 0) {
      return;
    }
    opening = true;
    onStoreThread.accept(
        () -> {
          RemoteStore.LoopConnection made = null;
          RuntimeException failure = null;
          try {
            made = store.openLoopConnection();
          } catch (RuntimeException e) {
            failure = e;
          }
          RemoteStore.LoopConnection c = made;
          RuntimeException f = failure;
          onLoop.accept(() -> opened(c, f));
        },
        () -> opening = false);
  }

  private void opened(RemoteStore.LoopConnection c, RuntimeException failure) {
    opening = false;
    if (failure != null) {
      retryAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RETRY_MILLIS);
      return; // the store threads report the store's state to clients; nothing to add here
    }
    if (c == null) {
      none = true;
      return;
    }
    if (closed) {
      c.close();
      return;
    }
    try {
      key = c.channel().register(selector, SelectionKey.OP_READ, this);
    } catch (ClosedChannelException | IllegalArgumentException e) {
      c.close();
      retryAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RETRY_MILLIS);
      return;
    }
    connection = c;
  }

  private void checkTimeoutIn(long millis) {
    try {
      timeoutCheck =
          timer.schedule(() -> onLoop.accept(this::checkTimeout), millis, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException stopping) {
      timeoutCheck = null; // the broker is stopping; close() answers what is out
    }
  }

  private void checkTimeout() {
    timeoutCheck = null;
    RemoteStore.LoopConnection c = connection;
    Long oldest = sentAt.peek();
    if (c == null || oldest == null) {
      return;
    }
    // As a blocking client's read timeout: the store must answer something within the timeout,
    // not everything; a deep pipeline on a busy store takes its time but keeps answering.
    long since = answeredAt - oldest > 0 ? answeredAt : oldest;
    long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
    if (waited >= c.timeoutMillis()) {
      lost("no answer within " + c.timeoutMillis() + " ms");
    } else {
      checkTimeoutIn(c.timeoutMillis() - waited);
    }
  }

  /**
   * The connection is gone: its calls still due are answered {@code store_unavailable}, later ones
   * go through the store threads until it is made again.
   */
  private void lost(String why) {
    RemoteStore.LoopConnection c = connection;
    if (c == null) {
      return;
    }
    connection = null;
    unflushed = false;
    if (key != null) {
      key.cancel();
      key = null;
    }
    retryAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RETRY_MILLIS);
    log.warn(
        "The event loop's connection to the store was lost; calls go through the store threads"
            + " until it is made again",
        "store",
        store.describe(),
        "error",
        why);
    c.fail(why);
  }

  /** The broker stops: calls still due are answered {@code store_unavailable}. */
  void close() {
    closed = true;
    if (timeoutCheck != null) {
      timeoutCheck.cancel(false);
      timeoutCheck = null;
    }
    RemoteStore.LoopConnection c = connection;
    connection = null;
    if (key != null) {
      key.cancel();
      key = null;
    }
    if (c != null) {
      c.fail("the broker is stopping");
    }
  }
}
