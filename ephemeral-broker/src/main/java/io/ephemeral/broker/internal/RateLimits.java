package io.ephemeral.broker.internal;

import io.ephemeral.protocol.ErrorCodes;
import java.util.ArrayDeque;
import java.util.HashMap;

/**
 * Rate limiters in memory ({@code acquire}): at most {@code permits} grants in any window of {@code
 * per} milliseconds, first come, first served. Loop thread only.
 *
 * <p>Implementation notes. A limiter keeps the times of its grants still inside the window (a ring
 * of at most {@code permits}). A grant at time t is allowed when fewer than {@code permits} grants
 * lie in (t - per, t], so any {@code permits + 1} consecutive grants span at least {@code per}. A
 * newcomer is granted at once only when nobody waits; waiters are granted in arrival order as the
 * oldest grants leave the window. Each limiter is in one deadline heap, keyed by its next event:
 * with waiters the time its oldest grant leaves the window, without them the time its last grant
 * leaves it, when the limiter is dropped (so idle limiters cost nothing).
 */
final class RateLimits {
  private static final byte[] GRANTED = Reply.ascii(",\"granted\":true,\"at\":");
  private static final byte[] REFUSED = Reply.ascii(",\"granted\":false,\"retryAfter\":");

  /** One limiter's grants in the window and its waiting requests. */
  static final class Limiter extends ExpiryHeap.Node {
    final String name;
    final int permits;
    final long per;
    private long[] grants = new long[1];
    private int first;
    private int count;
    final ArrayDeque<Waits.Waiter> queue = new ArrayDeque<>();

    Limiter(String name, int permits, long per) {
      this.name = name;
      this.permits = permits;
      this.per = per;
    }

    /**
     * What it counts in the memory budget besides its waiters (counted as waits): its ring of grant
     * times as it may grow, to {@code permits}.
     */
    long bytes() {
      return 120 + MemoryBudget.stringBytes(name.length()) + 8L * permits;
    }

    /** Drops the grants that left the window by {@code now}. */
    void purge(long now) {
      while (count > 0 && grants[first] <= now - per) {
        first = (first + 1) % grants.length;
        count--;
      }
    }

    boolean free() {
      return count < permits;
    }

    void grant(long now) {
      if (count == grants.length) {
        long[] bigger = new long[Math.min(permits, grants.length * 2)];
        for (int i = 0; i < count; i++) {
          bigger[i] = grants[(first + i) % grants.length];
        }
        grants = bigger;
        first = 0;
      }
      grants[(first + count) % grants.length] = now;
      count++;
    }

    /** When the oldest grant leaves the window (a permit frees). */
    long nextFree() {
      return grants[first] + per;
    }

    /** When the newest grant leaves the window (the limiter holds nothing any more). */
    long empty() {
      return grants[(first + count - 1) % grants.length] + per;
    }
  }

  private final HashMap<String, Limiter> limiters = new HashMap<>();
  private final ExpiryHeap<Limiter> events = new ExpiryHeap<>();
  private final Waits waits;
  private final TurnClock clock;

  RateLimits(Waits waits, TurnClock clock) {
    this.waits = waits;
    this.clock = clock;
  }

  int size() {
    return limiters.size();
  }

  /** Answers the acquire, or parks it; false (nothing written) when a new limiter is refused. */
  boolean acquire(Request r, Reply reply, int permits, long per, boolean mayCreate) {
    String name = r.keyString();
    long now = clock.millis();
    Limiter l = limiters.get(name);
    if (l != null && (l.permits != permits || l.per != per)) {
      reply.error(
          ErrorCodes.LIMITER_MISMATCH,
          "rate limiter '"
              + name
              + "' allows "
              + l.permits
              + " per "
              + l.per
              + " ms, not "
              + permits
              + " per "
              + per
              + " ms");
      return true;
    }
    if (l == null) {
      if (!mayCreate) {
        return false;
      }
      l = new Limiter(name, permits, per);
      if (waits.refusedMemory(reply, "a rate limiter", l.bytes())) {
        return true;
      }
      limiters.put(name, l);
      waits.hold(l.bytes());
    }
    l.purge(now);
    if (l.queue.isEmpty() && l.free()) {
      l.grant(now);
      reply.ok().write(GRANTED).number(now);
      reply.end();
    } else if (r.waitMillis == 0) {
      long after = l.queue.isEmpty() ? Math.max(1, l.nextFree() - now) : 1;
      reply.ok().write(REFUSED).number(after);
      reply.end();
    } else if (waits.refused(reply, 0)) {
      // refused; a limiter made for it is dropped below
    } else {
      Limiter limiter = l;
      long wait = r.waitMillis;
      limiter.queue.add(
          waits.park(
              reply,
              limiter,
              now + wait,
              timedOut -> {
                limiter.queue.remove(timedOut);
                timedOut.reply.error(
                    ErrorCodes.ACQUIRE_TIMEOUT,
                    "no permit of rate limiter '"
                        + limiter.name
                        + "' within "
                        + wait
                        + " ms ("
                        + limiter.permits
                        + " per "
                        + limiter.per
                        + " ms)");
                schedule(limiter, clock.millis());
              },
              gone -> {
                limiter.queue.remove(gone);
                schedule(limiter, clock.millis());
              }));
    }
    schedule(l, now);
    return true;
  }

  long nextDeadline() {
    Limiter l = events.peek();
    return l == null ? Long.MAX_VALUE : l.deadline;
  }

  /** Grants to waiters whose permits freed, and drops limiters that hold nothing any more. */
  void expire(long now) {
    Limiter l;
    while ((l = events.pollDue(now)) != null) {
      l.purge(now);
      while (!l.queue.isEmpty() && l.free()) {
        Waits.Waiter w = l.queue.poll();
        waits.answering(w);
        l.grant(now);
        w.reply.ok(out -> out.write(GRANTED).number(now));
      }
      schedule(l, now);
    }
  }

  void clear() {
    limiters.clear();
    events.clear();
  }

  /** Puts the limiter in the heap at its next event, or drops it when it holds nothing. */
  private void schedule(Limiter l, long now) {
    l.purge(now);
    if (l.queue.isEmpty() && l.count == 0) {
      events.remove(l);
      if (limiters.remove(l.name, l)) {
        waits.hold(-l.bytes());
      }
      return;
    }
    l.deadline = l.queue.isEmpty() ? l.empty() : l.free() ? now : l.nextFree();
    events.remove(l); // the key must follow the deadline both ways
    events.add(l);
  }
}
