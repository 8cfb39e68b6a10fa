package io.ephemeral.broker.internal;

/**
 * One entry of the command table: the action name, what the central checks must verify before the
 * handler runs, and the handler. Handlers therefore only do their own work.
 */
final class Command {
  /** How the central checks treat the {@code ttl} member. */
  enum Ttl {
    /** Not used by the command. */
    IGNORED,
    /** Validated when present; required when the broker requires TTLs ({@code set}). */
    REQUIRED_BY_CONFIG,
    /** Validated when present; defaultTTL otherwise ({@code lease}). */
    OPTIONAL
  }

  /** The work of a command, run after every central check passed. */
  @FunctionalInterface
  interface Handler {
    void handle(Request request, Reply reply);
  }

  final String name;
  final char[] nameChars;

  /** Error when the request has no string key, or null when the key is optional. */
  final String keyError;

  /** Error when the request has no workerId, or null when it is not needed. */
  final String workerError;

  final Ttl ttl;
  final boolean checksValueSize;
  final int metricIndex;
  final Handler handler;

  /** Requests, errors and latency of this action (recorded only with metrics on). */
  final LatencyStats stats = new LatencyStats();

  Command(
      String name,
      String keyError,
      String workerError,
      Ttl ttl,
      boolean checksValueSize,
      Handler handler) {
    this.name = name;
    this.nameChars = name.toCharArray();
    this.keyError = keyError;
    this.workerError = workerError;
    this.ttl = ttl;
    this.checksValueSize = checksValueSize;
    this.metricIndex = Metrics.actionIndex(name);
    this.handler = handler;
  }

  @Override
  public String toString() {
    return name;
  }
}
