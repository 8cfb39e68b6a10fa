package io.ephemeral.broker.internal;

import java.util.function.Consumer;

/**
 * The requests of the coordination actions that wait at the broker (compute, barrier, acquire),
 * with their deadlines; at most {@code max} at once, so waiting requests cannot grow the broker's
 * memory without bound. Loop thread only.
 */
final class Waits {
  /** One waiting request. */
  static final class Waiter extends ExpiryHeap.Node {
    final ParkedReply reply;
    final Consumer<Waiter> onTimeout;

    /** What it waits for (a claim, a barrier, a rate limiter). */
    final Object on;

    /** compute only: bind the claim to the connection when it is handed over; the claim's ttl. */
    boolean bind;

    long claimTtl;

    Waiter(ParkedReply reply, Object on, Consumer<Waiter> onTimeout) {
      this.reply = reply;
      this.on = on;
      this.onTimeout = onTimeout;
    }
  }

  private final ExpiryHeap<Waiter> deadlines = new ExpiryHeap<>();
  private final int max;
  private final BrokerLog log;

  Waits(int max, BrokerLog log) {
    this.max = max;
    this.log = log;
  }

  /** Whether no more requests may wait. */
  boolean full() {
    return deadlines.size() >= max;
  }

  int size() {
    return deadlines.size();
  }

  int max() {
    return max;
  }

  /**
   * Parks the request being handled until {@code deadline}, then {@code onTimeout}; {@code onGone}
   * runs instead if its connection closes first.
   */
  Waiter park(
      Reply reply, Object on, long deadline, Consumer<Waiter> onTimeout, Consumer<Waiter> onGone) {
    Waiter w = new Waiter(ParkedReply.park(reply, log), on, onTimeout);
    w.deadline = deadline;
    deadlines.add(w);
    w.reply.cancelWith(
        () -> {
          deadlines.remove(w);
          onGone.accept(w);
        });
    return w;
  }

  /** The waiter is being answered: it no longer times out. */
  void answering(Waiter w) {
    deadlines.remove(w);
  }

  long nextDeadline() {
    Waiter w = deadlines.peek();
    return w == null ? Long.MAX_VALUE : w.deadline;
  }

  /** Times out every waiter whose deadline has passed. */
  void expire(long now) {
    Waiter w;
    while ((w = deadlines.pollDue(now)) != null) {
      w.onTimeout.accept(w);
    }
  }

  void clear() {
    deadlines.clear();
  }
}
