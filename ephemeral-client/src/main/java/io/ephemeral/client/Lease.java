package io.ephemeral.client;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A slot leased from a pool with {@link BrokerClient#lease(String, String, Duration, int,
 * Duration)} or {@link BrokerClient#tryLease}. Closing it releases the slot.
 *
 * <pre>{@code
 * try (Lease account = broker.lease("accounts", workerId, Duration.ofMinutes(1), 3, Duration.ofSeconds(30))
 *     .keepAlive()) {
 *   runTestsWith(account.slot(), account.token());
 * }
 * }</pre>
 *
 * <p>The fencing token grows with every grant of any lease on the broker: a resource that remembers
 * the highest token it has seen can refuse a holder whose lease has since expired and been granted
 * again. Thread-safe.
 */
public final class Lease implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Lease.class);

  private final BrokerClient client;
  private final String key;
  private final String workerId;
  private final Duration ttl;
  private final int poolSize;
  private final int slot;
  private final long token;
  private ScheduledFuture<?> renewal;
  private boolean closed;

  Lease(
      BrokerClient client,
      String key,
      String workerId,
      Duration ttl,
      int poolSize,
      int slot,
      long token) {
    this.client = client;
    this.key = key;
    this.workerId = workerId;
    this.ttl = ttl;
    this.poolSize = poolSize;
    this.slot = slot;
    this.token = token;
  }

  /** The pool's key. */
  public String key() {
    return key;
  }

  /** The worker that holds the lease. */
  public String workerId() {
    return workerId;
  }

  /** The slot: the lowest number that was free when the lease was granted (0, 1, 2, …). */
  public int slot() {
    return slot;
  }

  /** The fencing token of the grant, or -1 from a broker that sends none. */
  public long token() {
    return token;
  }

  /** How long the lease lasts from its grant or last renewal. */
  public Duration ttl() {
    return ttl;
  }

  /** The most holders the pool may have, as requested. */
  public int poolSize() {
    return poolSize;
  }

  /** Extends the lease by its TTL from now (same slot, same token). */
  public void renew() {
    client.renew(this);
  }

  /**
   * Renews the lease every third of its TTL until it is closed, so a long test keeps its slot. A
   * failed renewal is logged; the next one tries again.
   *
   * @return this lease
   */
  public synchronized Lease keepAlive() {
    if (renewal == null && !closed) {
      renewal =
          client.every(
              ttl.dividedBy(3),
              () -> {
                try {
                  renew();
                } catch (RuntimeException e) {
                  LOG.warn(
                      "Renewing lease {} of worker {} failed: {}", key, workerId, e.getMessage());
                }
              });
    }
    return this;
  }

  /**
   * Releases the slot and stops renewing. Idempotent.
   *
   * @return whether the broker still held the lease (false if it had expired)
   */
  public synchronized boolean release() {
    if (renewal != null) {
      renewal.cancel(false);
      renewal = null;
    }
    if (closed) {
      return false;
    }
    closed = true;
    return client.release(workerId);
  }

  /** Same as {@link #release()}. */
  @Override
  public void close() {
    release();
  }

  @Override
  public String toString() {
    return "Lease[" + key + " #" + slot + " worker=" + workerId + " token=" + token + "]";
  }
}
