package io.ephemeral.client;

/**
 * The broker's answer to {@code stats}. Members the broker adds beyond these are ignored.
 *
 * @param items live keys
 * @param leases live leases
 * @param leaseWaiters workers waiting for a slot of a full lease pool
 * @param capacity store fill level
 * @param memory memory figures of the broker process
 * @param uptime milliseconds since the broker started
 */
public record BrokerStats(
    long items, long leases, long leaseWaiters, Capacity capacity, Memory memory, long uptime) {

  /**
   * Memory figures, in bytes.
   *
   * @param rss resident set size of the broker process (or the closest figure it can report)
   * @param heapUsed heap in use
   * @param approximateStoreBytes rough size of the stored keys and values
   */
  public record Memory(long rss, long heapUsed, long approximateStoreBytes) {}
}
