package io.ephemeral.broker.internal;

/** Counters of the event loop that commands report (health, stats). Loop thread only. */
final class LoopState {
  long startedAt;
  long lastActivity;
  boolean draining;

  /** Requests received whose responses have not been fully written to their sockets. */
  long inFlight;

  /** Request lines taken in and dispatched (each is answered or counted in {@link #unanswered}). */
  long requestsAccepted;

  /** Accepted requests whose answers could not be written: their connection closed first. */
  long unanswered;

  /** The memory budget every part counts what it holds against (set once, at the start). */
  MemoryBudget budget = new MemoryBudget(Long.MAX_VALUE);

  int connections;
  long connectionsAccepted;

  /** Connections refused, by reason (draining, limit, peer credentials). */
  final java.util.TreeMap<String, Long> connectionsRefused = new java.util.TreeMap<>();

  /** Times each {@link Limit} was hit, by ordinal. Counted even with metrics off: they are rare. */
  final long[] limitHits = new long[Limit.ALL.length];

  void limitHit(Limit limit) {
    limitHits[limit.ordinal()]++;
  }

  /**
   * Refuses {@code what} with {@code memory_limit} when its {@code bytes} do not fit the budget.
   *
   * @return whether it did
   */
  boolean refusedMemory(Reply reply, String what, long bytes) {
    if (budget.fits(bytes)) {
      return false;
    }
    limitHit(Limit.MAX_MEMORY);
    reply.error(io.ephemeral.protocol.ErrorCodes.MEMORY_LIMIT, budget.refusal(what, bytes));
    return true;
  }

  void refused(String reason) {
    connectionsRefused.merge(reason, 1L, Long::sum);
  }
}
