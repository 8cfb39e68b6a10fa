package io.ephemeral.broker.internal;

import io.ephemeral.protocol.ErrorCodes;
import java.nio.charset.StandardCharsets;

/**
 * The coordination actions on this broker's memory. {@code setIfAbsent} and {@code incr} work on
 * the store's values (a counter is a plain value: {@code get} reads it); single-flight claims,
 * barriers and rate limiters keep their own state ({@link Claims}, {@link Barriers}, {@link
 * RateLimits}), and their waiting requests share one bound ({@link Waits}, {@code
 * maxLeaseWaiters}). Claims and limiters together count against {@code maxItems}, so a client
 * cannot make them grow without bound either. Loop thread only.
 */
final class MemoryCoordination implements CoordinationActions {
  private static final byte[] STORED = Reply.ascii(",\"stored\":");

  private final BrokerConfig config;
  private final MemoryStore store;
  private final KvCommands kv;
  private final TurnClock clock;
  private final Waits waits;
  private final Claims claims;
  private final Barriers barriers;
  private final RateLimits limits;

  MemoryCoordination(
      BrokerConfig config, MemoryStore store, KvCommands kv, TurnClock clock, LoopState state) {
    this.config = config;
    this.store = store;
    this.kv = kv;
    this.clock = clock;
    this.waits = new Waits(config.maxLeaseWaiters(), state);
    this.claims = new Claims(kv, waits, clock);
    this.barriers = new Barriers(waits, clock);
    this.limits = new RateLimits(waits, clock);
  }

  void registerAll(CommandTable table) {
    CoordinationActions.registerAll(table, this);
  }

  @Override
  public void setIfAbsent(Request r, Reply reply) {
    if (kv.live(r, clock.millis()) != null) {
      reply.ok().write(STORED).bool(false);
    } else if (!kv.put(r, null, reply)) {
      return;
    } else {
      reply.ok().write(STORED).bool(true);
    }
    reply.end();
  }

  @Override
  public void incr(Request r, Reply reply) {
    CoordinationMembers m = CoordinationMembers.of(r);
    if (CoordinationMembers.refused(m.checkIncr(), reply)) {
      return;
    }
    long now = clock.millis();
    MemoryStore.Entry e = kv.live(r, now);
    long current = 0;
    if (e != null) {
      current =
          e.storedGzip || e.clientCompressed
              ? Long.MIN_VALUE
              : counter(e.data, e.valueOffset(), e.valueLength);
      if (current == Long.MIN_VALUE) {
        reply.error(
            ErrorCodes.NOT_A_COUNTER,
            "'" + r.keyString() + "' holds a value that is not a whole number");
        return;
      }
    }
    long next = current + m.delta;
    if (Math.abs(next) > CoordinationMembers.MAX_SAFE) {
      reply.error(
          ErrorCodes.OUT_OF_RANGE,
          "'"
              + r.keyString()
              + "' would leave ±"
              + CoordinationMembers.MAX_SAFE
              + " (the integers JavaScript holds exactly)");
      return;
    }
    if (!kv.put(r, Long.toString(next).getBytes(StandardCharsets.US_ASCII), reply)) {
      return;
    }
    reply.ok().write(KvReplies.VALUE).number(next);
    reply.end();
  }

  /**
   * The whole number the {@code length} bytes of JSON at {@code off} hold ({@code -12}, {@code 0},
   * {@code 42}: JSON integer text within ±(2^53 - 1)), or Long.MIN_VALUE for anything else.
   */
  static long counter(byte[] json, int off, int length) {
    if (length == 0 || length > 17) {
      return Long.MIN_VALUE;
    }
    int end = off + length;
    boolean negative = json[off] == '-';
    int i = negative ? off + 1 : off;
    if (i == end || (json[i] == '0' && end > i + 1)) {
      return Long.MIN_VALUE;
    }
    long v = 0;
    for (; i < end; i++) {
      int d = json[i] - '0';
      if (d < 0 || d > 9) {
        return Long.MIN_VALUE;
      }
      v = v * 10 + d;
    }
    if (v > CoordinationMembers.MAX_SAFE) {
      return Long.MIN_VALUE;
    }
    return negative ? -v : v;
  }

  @Override
  public void compute(Request r, Reply reply) {
    if (CoordinationMembers.refused(CoordinationMembers.checkCompute(r), reply)) {
      return;
    }
    if (!claims.compute(r, reply, CoordinationMembers.of(r).bind, room())) {
      full(reply);
    }
  }

  @Override
  public void computed(Request r, Reply reply) {
    CoordinationMembers m = CoordinationMembers.of(r);
    if (!CoordinationMembers.refused(m.checkToken(), reply)) {
      claims.computed(r, reply, m.token);
    }
  }

  @Override
  public void computeFailed(Request r, Reply reply) {
    CoordinationMembers m = CoordinationMembers.of(r);
    if (!CoordinationMembers.refused(m.checkToken(), reply)) {
      claims.computeFailed(r, reply, m.token);
    }
  }

  @Override
  public void barrier(Request r, Reply reply) {
    CoordinationMembers m = CoordinationMembers.of(r);
    if (!CoordinationMembers.refused(m.checkBarrier(r), reply)) {
      barriers.arrive(r, reply, (int) m.parties);
    }
  }

  @Override
  public void acquire(Request r, Reply reply) {
    CoordinationMembers m = CoordinationMembers.of(r);
    if (CoordinationMembers.refused(m.checkAcquire(r), reply)) {
      return;
    }
    if (!limits.acquire(r, reply, (int) m.permits, m.per, room())) {
      full(reply);
    }
  }

  /** Whether a new claim or limiter may be made: fewer than maxItems of them exist. */
  private boolean room() {
    return config.maxItems() <= 0 || claims.size() + limits.size() < config.maxItems();
  }

  private void full(Reply reply) {
    reply.error(
        ErrorCodes.MAX_ITEMS,
        "the broker holds maxItems (" + config.maxItems() + ") compute claims and rate limiters");
  }

  @Override
  public long nextDeadline() {
    return Math.min(waits.nextDeadline(), Math.min(claims.nextDeadline(), limits.nextDeadline()));
  }

  @Override
  public void expire(long now) {
    waits.expire(now);
    claims.expire(now);
    limits.expire(now);
  }

  /** Waiting requests (for the idle check of drain). */
  int waiting() {
    return waits.size();
  }

  void clear() {
    waits.clear();
    claims.clear();
    barriers.clear();
    limits.clear();
  }
}
