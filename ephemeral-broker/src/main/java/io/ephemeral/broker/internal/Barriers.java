package io.ephemeral.broker.internal;

import io.ephemeral.protocol.ErrorCodes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

/**
 * Barriers in memory ({@code barrier}): the parties that arrive wait until {@code parties} have
 * arrived, then all are answered in the same loop turn with their arrival index. A party whose wait
 * runs out, or whose connection closes, breaks the barrier: it gets {@code barrier_timeout}, the
 * others {@code barrier_broken}, and the next arrivals start a new round. Loop thread only.
 */
final class Barriers {
  private static final byte[] INDEX = Reply.ascii(",\"index\":");
  private static final byte[] PARTIES = Reply.ascii(",\"parties\":");

  /** The parties waiting at one barrier, in arrival order. */
  static final class Barrier {
    final String name;
    final int parties;
    final List<Waits.Waiter> arrived = new ArrayList<>();

    Barrier(String name, int parties) {
      this.name = name;
      this.parties = parties;
    }

    /** What it counts in the memory budget besides its parties' waits (counted as waits). */
    long bytes() {
      return 100 + MemoryBudget.stringBytes(name.length()) + 8L * parties;
    }
  }

  private final HashMap<String, Barrier> barriers = new HashMap<>();
  private final Waits waits;
  private final TurnClock clock;

  Barriers(Waits waits, TurnClock clock) {
    this.waits = waits;
    this.clock = clock;
  }

  void arrive(Request r, Reply reply, int parties) {
    String name = r.keyString();
    Barrier b = barriers.get(name);
    if (b != null && b.parties != parties) {
      reply.error(
          ErrorCodes.BARRIER_PARTIES_MISMATCH,
          "barrier '"
              + name
              + "' is waited on by "
              + b.arrived.size()
              + " parties expecting "
              + b.parties
              + ", not "
              + parties);
      return;
    }
    int index = b == null ? 0 : b.arrived.size();
    if (index + 1 == parties) {
      if (b != null) {
        remove(b);
        for (int i = 0; i < b.arrived.size(); i++) {
          Waits.Waiter w = b.arrived.get(i);
          waits.answering(w);
          int at = i;
          w.reply.ok(out -> out.write(INDEX).number(at).write(PARTIES).number(parties));
        }
      }
      reply.ok().write(INDEX).number(index).write(PARTIES).number(parties);
      reply.end();
      return;
    }
    Barrier created = b == null ? new Barrier(name, parties) : null;
    if (waits.refused(reply, created == null ? 0 : created.bytes())) {
      return;
    }
    if (created != null) {
      b = created;
      barriers.put(name, b);
      waits.hold(b.bytes());
    }
    Barrier barrier = b;
    long wait = r.waitMillis;
    barrier.arrived.add(
        waits.park(
            reply,
            barrier,
            clock.millis() + wait,
            timedOut ->
                broken(
                    barrier,
                    timedOut,
                    ErrorCodes.BARRIER_TIMEOUT,
                    "only "
                        + barrier.arrived.size()
                        + " of "
                        + barrier.parties
                        + " parties arrived at barrier '"
                        + barrier.name
                        + "' within "
                        + wait
                        + " ms",
                    "a party's wait ran out"),
            gone ->
                broken(barrier, gone, null, null, "a party went away (its connection closed)")));
  }

  /**
   * Ends the round: {@code cause} gets {@code code} (none when it is gone), the others {@code
   * barrier_broken} saying why.
   */
  private void broken(Barrier b, Waits.Waiter cause, String code, String message, String why) {
    if (barriers.get(b.name) != b) {
      return;
    }
    remove(b);
    int arrived = b.arrived.size();
    for (Waits.Waiter w : b.arrived) {
      if (w == cause) {
        if (code != null) {
          w.reply.error(code, message);
        }
        continue;
      }
      waits.answering(w);
      w.reply.error(
          ErrorCodes.BARRIER_BROKEN,
          "barrier '"
              + b.name
              + "' broke with "
              + arrived
              + " of "
              + b.parties
              + " parties waiting: "
              + why);
    }
  }

  private void remove(Barrier b) {
    barriers.remove(b.name);
    waits.hold(-b.bytes());
  }

  void clear() {
    barriers.clear();
  }
}
