package io.ephemeral.broker.store;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.function.Consumer;

/**
 * A shared store the broker keeps its values and leases in instead of its own memory, so that
 * brokers on several hosts see one set of values and never grant one lease slot twice (for example
 * {@code ephemeral-store-redis}).
 *
 * <p>The broker calls these methods on its own store threads, never on its event loop, at most
 * {@link #concurrency()} at a time; each call blocks until the store answered. A store that can
 * also be driven without threads offers a {@link LoopConnection}: the broker then sends its
 * clients' calls through it from the event loop and keeps the threads for the rest. The calls of
 * one client connection are made in request order: through the threads one batch ({@link #inOrder})
 * at a time, through a loop connection, which answers in the order it was sent, as soon as they are
 * read. A call that cannot be completed because the store is unreachable or too slow throws {@link
 * StoreUnavailableException} (the client gets {@code store_unavailable}); an implementation must
 * bound every call by a timeout. Times are the store's own clock (epoch milliseconds), so brokers
 * on different hosts agree on what has expired.
 *
 * <p>Semantics are those of the broker's memory mode: values with a TTL and at most {@code
 * maxItems} live items per store namespace; leases with the lowest free slot per key, one lease per
 * worker, renewal by the holder, pool sizes, a fencing token that increases with every grant,
 * expired leases recycled, and a first-come-first-served queue of waiting workers.
 */
public interface RemoteStore extends AutoCloseable {

  /** What {@link #get} found. */
  enum Found {
    /** A live value. */
    VALUE,
    /** No such key. */
    MISSING,
    /** The key's TTL had passed; it is removed, so the next get finds it missing. */
    EXPIRED
  }

  /**
   * A read.
   *
   * @param json the value's JSON text exactly as it was set, or null when the set had no value
   * @param compressed the flag the value was set with
   */
  record Value(Found found, byte[] json, boolean compressed) {}

  /**
   * A write: {@code full} when a new key was refused for max items, else how many items were
   * evicted.
   */
  record Stored(boolean full, int evicted) {}

  /** One live item, for list. */
  record Item(byte[] key, long expires, boolean hasValue) {}

  /** Live counts, for stats and health. */
  record Counts(long items, long leases, long waiters, long approximateBytes) {}

  /** What {@link #lease} did. */
  enum LeaseOutcome {
    /** Granted or renewed: see slot and token. */
    GRANTED,
    /** The worker holds a lease on another key. */
    HOLDS_OTHER_KEY,
    /**
     * No slot for the worker now (the pool is full or others wait first) and it did not ask to
     * wait.
     */
    POOL_FULL,
    /** The pool already has another size. */
    SIZE_MISMATCH,
    /** The worker is already waiting (under another ticket). */
    ALREADY_WAITING,
    /**
     * No slot yet; the ticket keeps the worker's place in the queue. Ask again with the same
     * ticket.
     */
    QUEUED
  }

  /**
   * The answer to a lease request.
   *
   * @param poolSize the pool's size (0: no limit), for {@code POOL_FULL} and {@code SIZE_MISMATCH}
   */
  record Lease(LeaseOutcome outcome, int slot, long token, int poolSize) {
    /** An answer that does not name the pool's size. */
    public Lease(LeaseOutcome outcome, int slot, long token) {
      this(outcome, slot, token, 0);
    }
  }

  /** What {@link #release} did. */
  enum ReleaseOutcome {
    /** The lease was live and is released. */
    RELEASED,
    /** The lease's TTL had passed (the worker no longer held it); it is removed. */
    EXPIRED,
    /** The worker held no lease (or another one than the token named). */
    NOT_HELD
  }

  /** The answer to a release: the outcome, and the pool the lease was from (null when not held). */
  record Released(ReleaseOutcome outcome, String poolKey) {}

  /**
   * Connects and checks that the store answers. Called by {@code Broker.start()} before the socket
   * is bound.
   *
   * @throws StoreUnavailableException with a message naming the store when it cannot be reached
   */
  void open();

  /** Where the store is, for logs and errors (never a password). */
  String describe();

  /** How many calls the broker may run at once (its store threads). */
  default int concurrency() {
    return 8;
  }

  /**
   * Reads a value.
   *
   * @param refreshTtl slide the expiry by the key's own TTL on a successful read
   * @param lru record the read for least-recently-used eviction
   */
  Value get(byte[] key, boolean refreshTtl, boolean lru);

  /**
   * Writes a value. An existing key is overwritten; a new key needs room: with {@code maxItems}
   * live items it is refused ({@link Stored#full()}) unless {@code lru}, which evicts the least
   * recently used item.
   *
   * @param json the value's JSON text, or null for a set without value
   * @param maxItems most live items in the namespace, 0 for no limit
   */
  Stored set(
      byte[] key, byte[] json, boolean compressed, long ttlMillis, int maxItems, boolean lru);

  /** Removes a key; true if it was present (even expired and not yet removed). */
  boolean delete(byte[] key);

  /** Every live item. */
  List<Item> list();

  /** Live items, live leases, waiting workers and the approximate bytes of the stored items. */
  Counts counts();

  /**
   * Grants, renews or refuses a lease.
   *
   * @param size the pool's size, 0 when the request did not say
   * @param ticket null to answer at once; otherwise the caller waits: the ticket (unique to this
   *     wait) joins the pool's queue and keeps its place while asked again at least every few
   *     seconds, and the worker is granted a slot when it is among the first in the queue
   */
  Lease lease(String key, String workerId, long ttlMillis, int size, String ticket);

  /** Leaves the queue (a wait that timed out or whose client went away). */
  void cancelWait(String workerId, String ticket);

  /**
   * Releases the worker's lease.
   *
   * @param token 0 for any lease of the worker; otherwise only the lease granted with this token
   */
  Released release(String workerId, long token);

  /**
   * Removes up to {@code budget} expired items, leases and abandoned waits; the broker calls it
   * every {@code sweeperInterval}.
   *
   * @return expired items and expired leases removed, as {@code {items, leases}}
   */
  long[] sweep(int budget);

  /**
   * The store's coordination primitives (set-if-absent, counters, single-flight claims, barriers,
   * rate limiters), or null when it has none: the broker then refuses those actions, saying so.
   */
  default CoordinationStore coordination() {
    return null;
  }

  /** One call of this interface's methods, bound to its arguments, for {@link #inOrder}. */
  @FunctionalInterface
  interface Call<T> {
    /**
     * Makes exactly one method call on {@code store}, or on its {@link #coordination()}, and
     * returns its result.
     */
    T on(RemoteStore store);
  }

  /**
   * Runs calls one after the other (each sees the effects of those before it) and returns, in
   * order, each one's result or the RuntimeException it threw. The broker sends a connection's
   * pipelined requests this way; a store may send them together (Redis: one round trip). The
   * default runs them one by one.
   */
  default List<Object> inOrder(List<Call<?>> calls) {
    List<Object> results = new java.util.ArrayList<>(calls.size());
    for (Call<?> call : calls) {
      try {
        results.add(call.on(this));
      } catch (RuntimeException e) {
        results.add(e);
      }
    }
    return results;
  }

  /**
   * Opens a connection the broker's event loop drives itself ({@link LoopConnection}), or returns
   * null when the store has none; the broker then makes every call on its store threads. Called on
   * a store thread after {@link #open()}, and again after such a connection was lost; it may block
   * while it connects, within the store's own timeouts.
   *
   * @throws StoreUnavailableException when the store cannot be reached
   */
  default LoopConnection openLoopConnection() {
    return null;
  }

  /**
   * A non-blocking connection to the store, driven by the broker's event loop: the loop queues the
   * calls of a turn, writes them when the channel takes them and reads the answers when they
   * arrive, so a call costs no hand-off to a store thread and back. Calls are answered in the order
   * they were queued, as {@link #inOrder} runs them. Every method is called on the loop thread.
   */
  interface LoopConnection extends AutoCloseable {
    /** The connected channel in non-blocking mode; the loop registers it with its selector. */
    SocketChannel channel();

    /**
     * Queues calls to run one after the other, as {@link #inOrder} runs them. {@code done} is
     * called later, from {@link #read} or {@link #fail}, with one result per call: its value or the
     * RuntimeException it failed with.
     */
    void send(List<Call<?>> calls, Consumer<List<Object>> done);

    /**
     * Writes what is queued, as much as the channel takes.
     *
     * @return true when nothing is left to write
     */
    boolean flush() throws IOException;

    /**
     * Reads what the store answered and completes the batches answered in full.
     *
     * @throws IOException when the connection is lost (or must be made again); batches not yet
     *     completed are then failed by {@link #fail}
     */
    void read() throws IOException;

    /** How long a call may wait for its answer before the connection counts as lost. */
    long timeoutMillis();

    /**
     * Closes the channel and fails every batch not yet completed with a {@link
     * StoreUnavailableException} that names the store and {@code reason} (their outcome is
     * unknown).
     */
    void fail(String reason);

    /** Closes the channel; batches not yet completed are failed as by {@link #fail}. */
    @Override
    void close();
  }

  /** Disconnects. {@link #open()} may be called again afterwards. */
  @Override
  void close();
}
