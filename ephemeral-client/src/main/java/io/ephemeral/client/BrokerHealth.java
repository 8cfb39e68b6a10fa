package io.ephemeral.client;

/**
 * The broker's answer to {@code health}. Members the broker adds beyond these are ignored.
 *
 * @param status {@code "healthy"}, or {@code "degraded"} when the store is at capacity
 * @param uptime milliseconds since the broker started
 * @param timestamp the broker's clock, epoch milliseconds
 * @param capacity store fill level
 * @param memory memory figures of the broker process
 * @param connections in-flight requests and the draining flag
 */
public record BrokerHealth(
    String status,
    long uptime,
    long timestamp,
    Capacity capacity,
    Memory memory,
    Connections connections) {

  /** Whether {@link #status()} is {@code "healthy"}. */
  public boolean healthy() {
    return "healthy".equals(status);
  }

  /**
   * Memory figures, in bytes.
   *
   * @param rss resident set size of the broker process (or the closest figure it can report)
   * @param heapUsed heap in use
   * @param heapTotal heap in memory: the most each heap pool has used so far (at least heapUsed, at
   *     most rss), as Node reports V8's heap
   */
  public record Memory(long rss, long heapUsed, long heapTotal) {}

  /**
   * Connection figures.
   *
   * @param inFlight requests being processed, including this health request
   * @param draining whether the broker is draining (refusing new connections before stopping)
   */
  public record Connections(long inFlight, boolean draining) {}
}
