package io.ephemeral.broker.internal;

import io.ephemeral.protocol.ErrorCodes;
import java.util.function.Consumer;

/**
 * The requests of the coordination actions that wait at the broker (compute, barrier, acquire),
 * with their deadlines; at most {@code max} at once. It also keeps the coordination part of the
 * memory budget: its waiting requests and the claims, barriers and rate limiters that {@link #hold}
 * their bytes. Loop thread only.
 */
final class Waits {
  /** What a waiting request counts in the memory budget besides its id. */
  static final long WAITER_BYTES = Leases.WAITER_BYTES;

  /** One waiting request. */
  static final class Waiter extends ExpiryHeap.Node {
    final Deferred reply;
    final Consumer<Waiter> onTimeout;

    /** What it waits for (a claim, a barrier, a rate limiter). */
    final Object on;

    /** compute only: bind the claim to the connection when it is handed over; the claim's ttl. */
    boolean bind;

    long claimTtl;

    /** What it counts in the memory budget until it is answered, times out or goes away. */
    long bytes;

    Waiter(Deferred reply, Object on, Consumer<Waiter> onTimeout) {
      this.reply = reply;
      this.on = on;
      this.onTimeout = onTimeout;
    }
  }

  private final ExpiryHeap<Waiter> deadlines = new ExpiryHeap<>();
  private final int max;
  private final LoopState state;

  Waits(int max, LoopState state) {
    this.max = max;
    this.state = state;
  }

  /**
   * Refuses a request that would wait: {@code too_many_waiters} when {@code max} wait, {@code
   * memory_limit} when its wait and {@code extra} bytes of new state do not fit the memory budget.
   *
   * @return whether it did
   */
  boolean refused(Reply reply, long extra) {
    if (full()) {
      reply.error(ErrorCodes.TOO_MANY_WAITERS, Claims.tooMany(this));
      return true;
    }
    return refusedMemory(reply, "waiting", waiterBytes(reply) + extra);
  }

  /** Refuses {@code what} with memory_limit when its {@code bytes} do not fit; true if it did. */
  boolean refusedMemory(Reply reply, String what, long bytes) {
    return state.refusedMemory(reply, what, bytes);
  }

  /** Counts {@code bytes} more (fewer when negative) of coordination state in the budget. */
  void hold(long bytes) {
    state.budget.add(MemoryBudget.Part.COORDINATION, bytes);
  }

  /** What the request being handled counts in the memory budget while it waits. */
  static long waiterBytes(Reply reply) {
    return WAITER_BYTES + reply.idLength();
  }

  private void release(Waiter w) {
    hold(-w.bytes);
    w.bytes = 0;
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
    long bytes = waiterBytes(reply);
    Waiter w = new Waiter(reply.defer(Deferred.Order.HOLD), on, onTimeout);
    w.deadline = deadline;
    w.bytes = bytes;
    hold(bytes);
    deadlines.add(w);
    w.reply.onClose(
        () -> {
          deadlines.remove(w);
          release(w);
          onGone.accept(w);
        });
    return w;
  }

  /** The waiter is being answered: it no longer times out. */
  void answering(Waiter w) {
    deadlines.remove(w);
    release(w);
  }

  long nextDeadline() {
    Waiter w = deadlines.peek();
    return w == null ? Long.MAX_VALUE : w.deadline;
  }

  /** Times out every waiter whose deadline has passed. */
  void expire(long now) {
    Waiter w;
    while ((w = deadlines.pollDue(now)) != null) {
      release(w);
      w.onTimeout.accept(w);
    }
  }

  /** Forgets every waiting request, and every byte of coordination state held. */
  void clear() {
    deadlines.clear();
    hold(-state.budget.used(MemoryBudget.Part.COORDINATION));
  }
}
