package io.ephemeral.junit;

import io.ephemeral.client.BrokerClient;
import io.ephemeral.client.BrokerException;
import io.ephemeral.client.Lease;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** Taking leases the way the extension does (and the cross-JVM tests through it). */
final class Leasing {
  static final String LOCK_PREFIX = "lock:";
  private static final long PID = ProcessHandle.current().pid();
  private static final AtomicLong SEQUENCE = new AtomicLong();

  private Leasing() {}

  /**
   * A worker id unique per JVM and acquisition: the broker allows one lease per worker id, and a
   * release names only the worker.
   */
  static String workerId(String purpose) {
    return "junit-" + PID + "-" + SEQUENCE.incrementAndGet() + "-" + purpose;
  }

  /** Leases a slot of {@code pool}, waiting up to {@code wait}; the lease is kept alive. */
  static Lease acquire(BrokerClient client, String pool, int size, Duration ttl, Duration wait) {
    try {
      return client.lease(pool, workerId(pool), ttl, size, wait).keepAlive();
    } catch (BrokerException e) {
      if (e.code().equals("lease_timeout") || e.code().equals("pool_exhausted")) {
        throw new IllegalStateException(
            "No slot of pool '"
                + pool
                + "' (size "
                + size
                + ") became free within "
                + wait.toMillis()
                + " ms",
            e);
      }
      throw e;
    }
  }

  /** Takes the named lock (a pool of size 1). */
  static Lease lock(BrokerClient client, String name, Duration wait) {
    return acquire(client, LOCK_PREFIX + name, 1, Duration.ofSeconds(60), wait);
  }
}
