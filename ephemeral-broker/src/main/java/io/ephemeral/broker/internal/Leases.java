package io.ephemeral.broker.internal;

import io.ephemeral.broker.store.RemoteStore;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;

/**
 * Leases: a worker takes the lowest free integer slot of a named key, renews it by leasing the same
 * key again, releases it, or loses it when its TTL passes. A pool may have a size (at most that
 * many holders); a worker may then wait for a slot, and waiters are served first come, first
 * served. Every grant carries a fencing token that increases with each grant. Owned by the
 * event-loop thread.
 *
 * <p>Implementation notes. Each key has a pool: {@code next} is one past the highest slot ever
 * handed out since the pool was created, and a min-heap holds freed slots below it, so the lowest
 * free slot is {@code min(free heap, next)} and acquire/release are O(log n). Lease expiry and wait
 * deadlines use {@link ExpiryHeap}s. A pool with neither holders nor waiters is dropped, so slots
 * restart at 0.
 */
final class Leases {

  /** One worker's lease. */
  static final class Lease extends ExpiryHeap.Node {
    final String workerId;
    final Pool pool;
    final int value;
    final long token;

    Lease(String workerId, Pool pool, int value, long token) {
      this.workerId = workerId;
      this.pool = pool;
      this.value = value;
      this.token = token;
    }
  }

  /**
   * A worker waiting for a slot of a full pool; {@code owner} is whatever the caller needs to
   * answer it.
   */
  static final class Waiter extends ExpiryHeap.Node {
    final String workerId;
    final Pool pool;
    final long ttlMillis;
    final Object owner;

    /** What this waiter holds, as counted in the memory budget. */
    final long bytes;

    Waiter(String workerId, Pool pool, long ttlMillis, Object owner, long bytes) {
      this.workerId = workerId;
      this.pool = pool;
      this.ttlMillis = ttlMillis;
      this.owner = owner;
      this.bytes = bytes;
    }
  }

  /** Told when a waiter gets its slot or gives up. */
  interface WaiterListener {
    void granted(Waiter waiter, int value, long token);

    void timedOut(Waiter waiter);
  }

  /** The slots of one lease key. */
  static final class Pool {
    final String key;

    /** Most holders; 0 = no limit. */
    int size;

    int next;
    int holders;
    final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private int[] free = new int[4];
    private int freeCount;

    Pool(String key, int size) {
      this.key = key;
      this.size = size;
    }

    boolean full() {
      return size > 0 && holders >= size;
    }

    int acquire() {
      holders++;
      if (freeCount == 0) {
        return next++;
      }
      int min = free[0];
      int last = free[--freeCount];
      int i = 0;
      int half = freeCount >>> 1;
      while (i < half) {
        int child = 2 * i + 1;
        if (child + 1 < freeCount && free[child + 1] < free[child]) {
          child++;
        }
        if (last <= free[child]) {
          break;
        }
        free[i] = free[child];
        i = child;
      }
      if (freeCount > 0) {
        free[i] = last;
      }
      return min;
    }

    void release(int value) {
      holders--;
      if (freeCount == free.length) {
        free = Arrays.copyOf(free, freeCount * 2);
      }
      int i = freeCount++;
      while (i > 0) {
        int parent = (i - 1) >>> 1;
        if (free[parent] <= value) {
          break;
        }
        free[i] = free[parent];
        i = parent;
      }
      free[i] = value;
    }
  }

  /** {@link #acquire} results that are not slots. */
  static final int HOLDS_OTHER_KEY = -1;

  static final int POOL_FULL = -2;
  static final int SIZE_MISMATCH = -3;
  static final int ALREADY_WAITING = -4;

  /** A new lease (and its pool) would not fit the memory budget. */
  static final int MEMORY_FULL = -5;

  /** Estimated heap bytes of a lease beyond its worker id: the lease, its map entry, heap slot. */
  static final int LEASE_BYTES = 120;

  /** Estimated heap bytes of a pool beyond its key: the pool, its queues, its map entry. */
  static final int POOL_BYTES = 200;

  /** Estimated heap bytes of a waiter beyond its worker id and what its owner keeps. */
  static final int WAITER_BYTES = 200;

  /** What a lease held by {@code workerId} counts in the budget. */
  static long leaseBytes(String workerId) {
    return LEASE_BYTES + MemoryBudget.stringBytes(workerId.length());
  }

  private static long poolBytes(String key) {
    return POOL_BYTES + MemoryBudget.stringBytes(key.length());
  }

  /** The shared store's name for an {@link #acquire} result that is not a slot. */
  static RemoteStore.LeaseOutcome outcome(int refusal) {
    switch (refusal) {
      case HOLDS_OTHER_KEY:
        return RemoteStore.LeaseOutcome.HOLDS_OTHER_KEY;
      case SIZE_MISMATCH:
        return RemoteStore.LeaseOutcome.SIZE_MISMATCH;
      case ALREADY_WAITING:
        return RemoteStore.LeaseOutcome.ALREADY_WAITING;
      default:
        return RemoteStore.LeaseOutcome.POOL_FULL;
    }
  }

  private final HashMap<String, Lease> byWorker = new HashMap<>();
  private final HashMap<String, Pool> pools = new HashMap<>();
  private final HashMap<String, Waiter> waiting = new HashMap<>();
  private final ExpiryHeap<Lease> expiry = new ExpiryHeap<>();
  private final ExpiryHeap<Waiter> waitDeadlines = new ExpiryHeap<>();
  private final Metrics metrics;
  private final MemoryBudget budget;
  private WaiterListener listener;
  private long lastToken;

  Leases(Metrics metrics) {
    this(metrics, new MemoryBudget(Long.MAX_VALUE));
  }

  Leases(Metrics metrics, MemoryBudget budget) {
    this.metrics = metrics;
    this.budget = budget;
  }

  void listener(WaiterListener listener) {
    this.listener = listener;
  }

  /** The fencing token of the most recent grant or renewal returned by {@link #acquire}. */
  long lastToken() {
    return lastToken;
  }

  /**
   * Grants or renews a lease.
   *
   * @param size the pool's size, or 0 when the request did not say
   * @return the slot, or {@link #HOLDS_OTHER_KEY}, {@link #POOL_FULL}, {@link #SIZE_MISMATCH},
   *     {@link #ALREADY_WAITING}
   */
  int acquire(String key, String workerId, long ttlMillis, int size, long now) {
    purgeExpired(now);
    if (waiting.containsKey(workerId)) {
      return ALREADY_WAITING;
    }
    Lease held = byWorker.get(workerId);
    if (held != null) {
      if (!held.pool.key.equals(key)) {
        return HOLDS_OTHER_KEY;
      }
      held.deadline = TurnClock.deadline(now, ttlMillis);
      expiry.reschedule(held);
      lastToken = held.token;
      return held.value;
    }
    Pool pool = pools.get(key);
    long need = leaseBytes(workerId) + (pool == null ? poolBytes(key) : 0);
    if (!budget.fits(need)) {
      return MEMORY_FULL;
    }
    if (pool == null) {
      pool = new Pool(key, size);
      pools.put(key, pool);
      budget.add(MemoryBudget.Part.LEASES, poolBytes(key));
    } else if (size > 0 && pool.size != size) {
      if (pool.size != 0 || pool.holders > size) {
        return SIZE_MISMATCH;
      }
      pool.size = size; // an unlimited pool gets the first size asked for while it fits
    }
    if (pool.full() || !pool.waiters.isEmpty()) {
      return POOL_FULL; // waiters are served first
    }
    return grant(pool, workerId, ttlMillis, now).value;
  }

  /** Queues a worker for a slot of a full pool until {@code deadline}. */
  Waiter park(
      String key, String workerId, long ttlMillis, long deadline, Object owner, long ownerBytes) {
    Pool pool = pools.get(key);
    long bytes = WAITER_BYTES + MemoryBudget.stringBytes(workerId.length()) + ownerBytes;
    budget.add(MemoryBudget.Part.LEASES, bytes);
    Waiter w = new Waiter(workerId, pool, ttlMillis, owner, bytes);
    w.deadline = deadline;
    pool.waiters.addLast(w);
    waiting.put(workerId, w);
    waitDeadlines.add(w);
    return w;
  }

  /** Forgets a waiter whose connection went away. */
  void cancel(Waiter w) {
    if (waiting.remove(w.workerId, w)) {
      budget.add(MemoryBudget.Part.LEASES, -w.bytes);
      waitDeadlines.remove(w);
      w.pool.waiters.remove(w);
      dropIfUnused(w.pool);
    }
  }

  /**
   * Releases the worker's lease. A lease whose TTL has passed is no longer held, so releasing it
   * reports false (the worker learns it lost the slot).
   */
  boolean release(String workerId, long now) {
    Lease lease = byWorker.get(workerId);
    if (lease == null) {
      return false;
    }
    boolean live = lease.deadline > now;
    expiry.remove(lease);
    unlink(lease, now);
    if (!live) {
      metrics.expiredLease();
    }
    return live;
  }

  void purgeExpired(long now) {
    Lease l;
    while ((l = expiry.pollDue(now)) != null) {
      unlink(l, now);
      metrics.expiredLease();
    }
  }

  int sweep(long now, int budget) {
    int n = 0;
    Lease l;
    while (n < budget && (l = expiry.pollDue(now)) != null) {
      unlink(l, now);
      metrics.expiredLease();
      n++;
    }
    return n;
  }

  /** Gives up on waiters whose wait is over. */
  void expireWaiters(long now) {
    Waiter w;
    while ((w = waitDeadlines.pollDue(now)) != null) {
      waiting.remove(w.workerId);
      budget.add(MemoryBudget.Part.LEASES, -w.bytes);
      w.pool.waiters.remove(w);
      dropIfUnused(w.pool);
      listener.timedOut(w);
    }
  }

  /**
   * When the loop must wake for leases: the next wait deadline, and while anyone waits the next
   * lease expiry (which frees a slot for them). Long.MAX_VALUE when nothing is due.
   */
  long nextDeadline() {
    if (waiting.isEmpty()) {
      return Long.MAX_VALUE;
    }
    Waiter w = waitDeadlines.peek();
    Lease l = expiry.peek();
    return Math.min(
        w == null ? Long.MAX_VALUE : w.deadline, l == null ? Long.MAX_VALUE : l.deadline);
  }

  boolean hasDue(long now) {
    Lease top = expiry.peek();
    return top != null && top.deadline <= now;
  }

  /** The size of the pool {@code key} (0: no limit, or no such pool). */
  int sizeOf(String key) {
    Pool pool = pools.get(key);
    return pool == null ? 0 : pool.size;
  }

  /** Leases held, including expired ones not yet purged. */
  int size() {
    return byWorker.size();
  }

  int waiters() {
    return waiting.size();
  }

  void clear() {
    budget.add(MemoryBudget.Part.LEASES, -budget.used(MemoryBudget.Part.LEASES));
    byWorker.clear();
    pools.clear();
    waiting.clear();
    expiry.clear();
    waitDeadlines.clear();
  }

  private Lease grant(Pool pool, String workerId, long ttlMillis, long now) {
    Lease lease = new Lease(workerId, pool, pool.acquire(), ++lastToken);
    budget.add(MemoryBudget.Part.LEASES, leaseBytes(workerId));
    lease.deadline = TurnClock.deadline(now, ttlMillis);
    byWorker.put(workerId, lease);
    expiry.add(lease);
    return lease;
  }

  private void unlink(Lease l, long now) {
    byWorker.remove(l.workerId);
    budget.add(MemoryBudget.Part.LEASES, -leaseBytes(l.workerId));
    Pool pool = l.pool;
    int freeBefore = pool.free.length;
    pool.release(l.value);
    budget.add(MemoryBudget.Part.LEASES, 4L * (pool.free.length - freeBefore));
    // First come, first served: the freed slot goes to the longest waiter.
    while (!pool.full() && !pool.waiters.isEmpty()) {
      Waiter w = pool.waiters.pollFirst();
      waiting.remove(w.workerId);
      budget.add(MemoryBudget.Part.LEASES, -w.bytes);
      waitDeadlines.remove(w);
      Lease granted = grant(pool, w.workerId, w.ttlMillis, now);
      listener.granted(w, granted.value, granted.token);
    }
    dropIfUnused(pool);
  }

  private void dropIfUnused(Pool pool) {
    if (pool.holders == 0 && pool.waiters.isEmpty() && pools.remove(pool.key, pool)) {
      budget.add(MemoryBudget.Part.LEASES, -poolBytes(pool.key) - 4L * (pool.free.length - 4));
    }
  }
}
