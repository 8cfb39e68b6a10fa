package io.ephemeral.broker;

import java.util.Arrays;
import java.util.HashMap;

/**
 * Leases: a worker takes the lowest free integer slot of a named key, renews it by leasing the
 * same key again, releases it, or loses it when its TTL passes. Owned by the event-loop thread.
 *
 * <p>Implementation notes. Each key has a pool: {@code next} is one past the highest slot ever
 * handed out since the pool was created, and a min-heap holds freed slots below it, so the
 * lowest free slot is {@code min(free heap, next)} and acquire/release are O(log n). Expiry uses
 * the same deadline heap as the store. A pool with no holders is dropped, so slots restart at 0.
 */
final class Leases {

  /** One worker's lease. */
  static final class Lease extends ExpiryHeap.Node {
    final String workerId;
    final Pool pool;
    final int value;

    Lease(String workerId, Pool pool, int value) {
      this.workerId = workerId;
      this.pool = pool;
      this.value = value;
    }
  }

  /** The slots of one lease key. */
  static final class Pool {
    final String key;
    int next;
    int holders;
    private int[] free = new int[4];
    private int freeCount;

    Pool(String key) {
      this.key = key;
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

  /** Result of {@link #acquire} when the worker holds a lease on another key. */
  static final int HOLDS_OTHER_KEY = -1;

  private final HashMap<String, Lease> byWorker = new HashMap<>();
  private final HashMap<String, Pool> pools = new HashMap<>();
  private final ExpiryHeap<Lease> expiry = new ExpiryHeap<>();
  private final Metrics metrics;

  Leases(Metrics metrics) {
    this.metrics = metrics;
  }

  /**
   * Grants or renews a lease.
   *
   * @return the slot, or {@link #HOLDS_OTHER_KEY}
   */
  int acquire(String key, String workerId, long ttlMillis, long now) {
    purgeExpired(now);
    Lease held = byWorker.get(workerId);
    if (held != null) {
      if (!held.pool.key.equals(key)) {
        return HOLDS_OTHER_KEY;
      }
      held.deadline = MemoryStore.saturatedAdd(now, ttlMillis);
      expiry.reschedule(held);
      return held.value;
    }
    Pool pool = pools.computeIfAbsent(key, Pool::new);
    Lease lease = new Lease(workerId, pool, pool.acquire());
    lease.deadline = MemoryStore.saturatedAdd(now, ttlMillis);
    byWorker.put(workerId, lease);
    expiry.add(lease);
    return lease.value;
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
    remove(lease);
    if (!live) {
      metrics.expiredLease();
    }
    return live;
  }

  void purgeExpired(long now) {
    Lease l;
    while ((l = expiry.pollDue(now)) != null) {
      dropExpired(l);
    }
  }

  int sweep(long now, int budget) {
    int n = 0;
    Lease l;
    while (n < budget && (l = expiry.pollDue(now)) != null) {
      dropExpired(l);
      n++;
    }
    return n;
  }

  boolean hasDue(long now) {
    Lease top = expiry.peek();
    return top != null && top.deadline <= now;
  }

  /** Leases held, including expired ones not yet purged. */
  int size() {
    return byWorker.size();
  }

  void clear() {
    byWorker.clear();
    pools.clear();
    expiry.clear();
  }

  private void dropExpired(Lease l) {
    unlink(l);
    metrics.expiredLease();
  }

  private void remove(Lease l) {
    expiry.remove(l);
    unlink(l);
  }

  private void unlink(Lease l) {
    byWorker.remove(l.workerId);
    Pool pool = l.pool;
    pool.release(l.value);
    if (pool.holders == 0) {
      pools.remove(pool.key);
    }
  }
}
