package io.ephemeral.broker.internal;

import io.ephemeral.protocol.ErrorCodes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

/**
 * Single-flight computing of missing values in memory ({@code compute}, {@code computed}, {@code
 * computeFailed}): of all callers that miss a key, one gets a claim and computes, the others wait
 * for its value. Loop thread only.
 *
 * <p>Implementation notes. A claim has a token (growing with every grant) and ends in one of four
 * ways: {@code computed} with its token stores the value and answers every waiter with it; {@code
 * computeFailed} with its token, its time running out ({@code ttl}, for claims not bound to a
 * connection), or the close of the connection it is bound to ({@code bind}) hand it to the longest
 * waiter, whose answer says to compute, or drop it when nobody waits. So a computing process that
 * dies or fails is replaced by a waiting one, and no two callers hold a claim on one key at once.
 */
final class Claims {
  private static final byte[] COMPUTE = Reply.ascii(",\"compute\":true,\"token\":");
  private static final byte[] STORED = Reply.ascii(",\"stored\":");
  private static final byte[] RELEASED = Reply.ascii(",\"released\":");

  /** A claim on a missing key. */
  static final class Claim extends ExpiryHeap.Node {
    final String key;
    long token;

    /** The connection the claim ends with, or null (then it ends at its deadline). */
    Connection boundTo;

    final ArrayDeque<Waits.Waiter> waiters = new ArrayDeque<>();

    Claim(String key) {
      this.key = key;
    }

    /** What it counts in the memory budget besides its waiters (counted as waits). */
    long bytes() {
      return 150 + MemoryBudget.stringBytes(key.length());
    }
  }

  private final HashMap<String, Claim> claims = new HashMap<>();
  private final ExpiryHeap<Claim> deadlines = new ExpiryHeap<>();
  private final HashMap<Connection, List<Claim>> bound = new HashMap<>();
  private final KvCommands kv;
  private final Waits waits;
  private final TurnClock clock;
  private long tokens;

  Claims(KvCommands kv, Waits waits, TurnClock clock) {
    this.kv = kv;
    this.waits = waits;
    this.clock = clock;
  }

  int size() {
    return claims.size();
  }

  /** Answers or parks the compute; false (nothing written) when a new claim is refused. */
  boolean compute(Request r, Reply reply, boolean bind, boolean mayCreate) {
    long now = clock.millis();
    MemoryStore.Entry e = kv.live(r, now);
    if (e != null) {
      kv.writeValue(e, reply.ok());
      reply.end();
      return true;
    }
    long ttl = r.ttlState == Request.VALID ? r.ttl : CoordinationMembers.DEFAULT_CLAIM_TTL;
    String key = r.keyString();
    Claim c = claims.get(key);
    if (c == null) {
      if (!mayCreate) {
        return false;
      }
      c = new Claim(key);
      if (waits.refusedMemory(reply, "a compute claim", c.bytes())) {
        return true;
      }
      claims.put(key, c);
      waits.hold(c.bytes());
      grant(c, reply.connection(), bind, ttl, now);
      reply.ok().write(COMPUTE).number(c.token);
      reply.end();
      return true;
    }
    if (r.waitMillis == 0) {
      reply.error(ErrorCodes.COMPUTE_TIMEOUT, beingComputed(key, c.waiters.size()));
      return true;
    }
    if (waits.refused(reply, 0)) {
      return true;
    }
    Claim claim = c;
    long wait = r.waitMillis;
    Waits.Waiter w =
        waits.park(
            reply,
            claim,
            now + wait,
            timedOut -> {
              claim.waiters.remove(timedOut);
              timedOut.reply.error(
                  ErrorCodes.COMPUTE_TIMEOUT,
                  "another caller has been computing '"
                      + claim.key
                      + "' for longer than the wait ("
                      + wait
                      + " ms)");
            },
            gone -> claim.waiters.remove(gone));
    w.bind = bind;
    w.claimTtl = ttl;
    claim.waiters.add(w);
    return true;
  }

  /**
   * {@code computed}: stores the value if the token holds the claim (or nobody does and no value is
   * there), and answers the waiters with it.
   */
  void computed(Request r, Reply reply, long token) {
    long now = clock.millis();
    String key = r.keyString();
    Claim c = claims.get(key);
    if (c != null && c.token != token) {
      reply.error(
          ErrorCodes.CLAIM_LOST,
          "the claim on '"
              + key
              + "' ended (its time ran out or its connection closed) and another caller holds"
              + " it now");
      return;
    }
    if (c == null && kv.live(r, now) != null) {
      reply.ok().write(STORED).bool(false); // computed meanwhile by a caller that took over
      reply.end();
      return;
    }
    if (!kv.put(r, null, reply)) {
      if (c != null) {
        handOver(c, now); // a waiter may find room, or fail the same way
      }
      return;
    }
    if (c != null) {
      MemoryStore.Entry e = kv.live(r, now);
      end(c);
      for (Waits.Waiter w : c.waiters) {
        waits.answering(w);
        w.reply.ok(out -> kv.writeValue(e, out));
      }
    }
    reply.ok().write(STORED).bool(true);
    reply.end();
  }

  /** {@code computeFailed}: the holder gives the claim up; the longest waiter computes next. */
  void computeFailed(Request r, Reply reply, long token) {
    Claim c = claims.get(r.keyString());
    boolean held = c != null && c.token == token;
    if (held) {
      handOver(c, clock.millis());
    }
    reply.ok().write(RELEASED).bool(held);
    reply.end();
  }

  long nextDeadline() {
    Claim c = deadlines.peek();
    return c == null ? Long.MAX_VALUE : c.deadline;
  }

  /** Claims whose holders ran out of time go to their longest waiters. */
  void expire(long now) {
    Claim c;
    while ((c = deadlines.pollDue(now)) != null) {
      handOver(c, now);
    }
  }

  void clear() {
    claims.clear();
    deadlines.clear();
    bound.clear();
  }

  private void grant(Claim c, Connection connection, boolean bind, long ttl, long now) {
    c.token = ++tokens;
    if (bind && connection != null) {
      c.boundTo = connection;
      deadlines.remove(c);
      List<Claim> held = bound.get(connection);
      if (held == null) {
        held = new ArrayList<>(1);
        bound.put(connection, held);
        connection.lines().releaseOnClose = () -> closed(connection);
      }
      held.add(c);
    } else {
      c.boundTo = null;
      c.deadline = TurnClock.deadline(now, ttl);
      deadlines.reschedule(c);
    }
  }

  /** The claim's holder is done with it: forget its binding and deadline. */
  private void unbind(Claim c) {
    deadlines.remove(c);
    Connection owner = c.boundTo;
    if (owner == null) {
      return;
    }
    c.boundTo = null;
    List<Claim> held = bound.get(owner);
    held.remove(c);
    if (held.isEmpty()) {
      bound.remove(owner);
      owner.lines().releaseOnClose = null;
    }
  }

  private void end(Claim c) {
    unbind(c);
    drop(c);
  }

  private void drop(Claim c) {
    if (claims.remove(c.key, c)) {
      waits.hold(-c.bytes());
    }
  }

  /** The claim ended without a value: the longest waiter gets it, or it is dropped. */
  private void handOver(Claim c, long now) {
    unbind(c);
    Waits.Waiter next = c.waiters.poll();
    if (next == null) {
      drop(c);
      return;
    }
    waits.answering(next);
    grant(c, next.reply.connection(), next.bind, next.claimTtl, now);
    long granted = c.token;
    next.reply.ok(out -> out.write(COMPUTE).number(granted));
  }

  /** A connection closed: the claims bound to it go to their waiters. */
  private void closed(Connection connection) {
    List<Claim> held = bound.remove(connection);
    if (held == null) {
      return;
    }
    long now = clock.millis();
    for (Claim c : new ArrayList<>(held)) {
      c.boundTo = null; // its binding is gone with the connection
      handOver(c, now);
    }
  }

  static String tooMany(Waits waits) {
    return "the broker already holds "
        + waits.max()
        + " waiting coordination requests (maxLeaseWaiters)";
  }

  /** The message of a compute that does not wait ({@code wait} 0) for a key being computed. */
  static String beingComputed(String key, int waiting) {
    return "'" + key + "' is being computed by another caller (" + waiting + " waiting for it)";
  }
}
