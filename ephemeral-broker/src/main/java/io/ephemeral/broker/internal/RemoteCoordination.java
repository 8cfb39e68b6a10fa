package io.ephemeral.broker.internal;

import io.ephemeral.broker.Clock;
import io.ephemeral.broker.store.CoordinationStore;
import io.ephemeral.broker.store.RemoteStore;
import io.ephemeral.broker.store.StoreUnavailableException;
import io.ephemeral.protocol.ErrorCodes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The coordination actions when values live in a shared store ({@link RemoteStore#coordination()}),
 * registered with {@link RemoteKvCommands}, whose per-connection ordering and deferred answers they
 * use. Every step is one atomic store call, so callers on all brokers sharing the store see one set
 * of claims, barriers and limiters.
 *
 * <p>Implementation notes. A request that waits (compute, barrier, acquire) sends its first ask in
 * order with its connection's other calls and holds them back until it is answered, as in memory
 * mode; then it polls the store with a ticket of its own, at most {@link
 * RemoteKvCommands#MAX_POLL_MILLIS} apart, until the answer is final or its wait is over (then it
 * leaves the store's queue and answers the timeout). A ticket this broker stops polling is
 * abandoned by the store after {@link #HOLD_MILLIS}, so a broker that dies blocks no one. A claim
 * bound to a connection ({@code bind}) is renewed by this broker while the connection lives and
 * released when it closes; if this broker dies, the claim ends {@link #BOUND_CLAIM_TTL} later. Loop
 * thread, except the store calls.
 */
final class RemoteCoordination implements CoordinationActions {
  /** How long the store keeps a wait that is not polled (its broker died). */
  static final long HOLD_MILLIS = 5_000;

  /** The time of a claim bound to a connection; renewed every third of it while it lives. */
  static final long BOUND_CLAIM_TTL = 15_000;

  private static final byte[] STORED = Reply.ascii(",\"stored\":");
  private static final byte[] RELEASED = Reply.ascii(",\"released\":");
  private static final byte[] COMPUTE = Reply.ascii(",\"compute\":true,\"token\":");
  private static final byte[] INDEX = Reply.ascii(",\"index\":");
  private static final byte[] PARTIES = Reply.ascii(",\"parties\":");
  private static final byte[] GRANTED = Reply.ascii(",\"granted\":true,\"at\":");
  private static final byte[] REFUSED = Reply.ascii(",\"granted\":false,\"retryAfter\":");

  private final BrokerConfig config;
  private final RemoteStore remote;
  private final RemoteKvCommands kv;
  private final Clock clock;
  private final boolean lru;
  private final LoopState state;

  /** Claims bound to connections of this broker, renewed while they live. */
  private final HashMap<Connection, List<BoundClaim>> bound = new HashMap<>();

  private record BoundClaim(byte[] key, long token, ScheduledFuture<?> renewal) {
    /** What it counts in the memory budget (with its renewal task). */
    static long bytes(byte[] key) {
      return 250 + key.length;
    }
  }

  RemoteCoordination(
      BrokerConfig config, RemoteStore remote, RemoteKvCommands kv, LoopState state) {
    this.config = config;
    this.remote = remote;
    this.kv = kv;
    this.state = state;
    this.clock = config.clock();
    this.lru = config.evictionPolicy() == io.ephemeral.broker.EvictionPolicy.LRU;
  }

  void registerAll(CommandTable table) {
    CoordinationActions.registerAll(table, this);
  }

  /** The store's primitives (registered only for a store that has them). */
  private static CoordinationStore of(RemoteStore st) {
    return st.coordination();
  }

  // ---- answered at once ----

  @Override
  public void setIfAbsent(Request r, Reply reply) {
    byte[] key = key(r);
    byte[] value =
        r.valuePresent ? java.util.Arrays.copyOfRange(r.line, r.valueOff, r.valueEnd) : null;
    boolean compressed = r.compressed;
    long ttl = r.ttlState == Request.VALID ? r.ttl : config.defaultTtlMillis();
    int max = config.maxItems();
    kv.run(
        RemoteKvCommands.park(reply),
        st -> of(st).setIfAbsent(key, value, compressed, ttl, max, lru),
        (put, out) ->
            switch (put) {
              case FULL -> RemoteKvCommands.error(out, ErrorCodes.MAX_ITEMS, null);
              case PRESENT -> ok(out, STORED, false);
              case STORED -> ok(out, STORED, true);
            });
  }

  @Override
  public void incr(Request r, Reply reply) {
    CoordinationMembers m = CoordinationMembers.of(r);
    if (CoordinationMembers.refused(m.checkIncr(), reply)) {
      return;
    }
    byte[] key = key(r);
    String name = r.keyString();
    long delta = m.delta;
    long ttl = r.ttlState == Request.VALID ? r.ttl : config.defaultTtlMillis();
    int max = config.maxItems();
    kv.run(
        RemoteKvCommands.park(reply),
        st -> of(st).increment(key, delta, ttl, max, lru),
        (c, out) ->
            switch (c.outcome()) {
              case OK -> {
                out.write(Reply.OK).write(KvReplies.VALUE).number(c.value());
                yield null;
              }
              case NOT_A_COUNTER ->
                  RemoteKvCommands.error(
                      out,
                      ErrorCodes.NOT_A_COUNTER,
                      "'" + name + "' holds a value that is not a whole number");
              case OUT_OF_RANGE ->
                  RemoteKvCommands.error(
                      out,
                      ErrorCodes.OUT_OF_RANGE,
                      "'"
                          + name
                          + "' would leave ±"
                          + CoordinationMembers.MAX_SAFE
                          + " (the integers JavaScript holds exactly)");
              case FULL -> RemoteKvCommands.error(out, ErrorCodes.MAX_ITEMS, null);
            });
  }

  @Override
  public void computed(Request r, Reply reply) {
    CoordinationMembers m = CoordinationMembers.of(r);
    if (CoordinationMembers.refused(m.checkToken(), reply)) {
      return;
    }
    byte[] key = key(r);
    String name = r.keyString();
    byte[] value =
        r.valuePresent ? java.util.Arrays.copyOfRange(r.line, r.valueOff, r.valueEnd) : null;
    boolean compressed = r.compressed;
    long ttl = r.ttlState == Request.VALID ? r.ttl : config.defaultTtlMillis();
    long token = m.token;
    int max = config.maxItems();
    Connection c = reply.connection();
    kv.run(
        RemoteKvCommands.park(reply),
        st -> of(st).computed(key, token, value, compressed, ttl, max, lru),
        (done, out) -> {
          if (done != CoordinationStore.Computed.CLAIM_LOST) {
            unbind(c, key, token);
          }
          return switch (done) {
            case STORED -> ok(out, STORED, true);
            case ALREADY_STORED -> ok(out, STORED, false);
            case FULL -> RemoteKvCommands.error(out, ErrorCodes.MAX_ITEMS, null);
            case CLAIM_LOST ->
                RemoteKvCommands.error(
                    out,
                    ErrorCodes.CLAIM_LOST,
                    "the claim on '"
                        + name
                        + "' ended (its time ran out or its connection closed) and another"
                        + " caller holds it now");
          };
        });
  }

  @Override
  public void computeFailed(Request r, Reply reply) {
    CoordinationMembers m = CoordinationMembers.of(r);
    if (CoordinationMembers.refused(m.checkToken(), reply)) {
      return;
    }
    byte[] key = key(r);
    long token = m.token;
    Connection c = reply.connection();
    kv.run(
        RemoteKvCommands.park(reply),
        st -> of(st).releaseClaim(key, token),
        (held, out) -> {
          unbind(c, key, token);
          return ok(out, RELEASED, held);
        });
  }

  // ---- waiting ----

  @Override
  public void compute(Request r, Reply reply) {
    if (CoordinationMembers.refused(CoordinationMembers.checkCompute(r), reply)
        || refusedWaiting(r.waitMillis, reply)) {
      return;
    }
    boolean bind = CoordinationMembers.of(r).bind && reply.connection() != null;
    long ttl =
        bind
            ? BOUND_CLAIM_TTL
            : r.ttlState == Request.VALID ? r.ttl : CoordinationMembers.DEFAULT_CLAIM_TTL;
    byte[] key = key(r);
    if (bind
        && state.refusedMemory(reply, "a claim bound to its connection", BoundClaim.bytes(key))) {
      return;
    }
    String name = r.keyString();
    long wait = r.waitMillis;
    Connection connection = reply.connection();
    String ticket = wait > 0 ? kv.newTicket() : null;
    int[] waiting = {0};
    RemoteStore.Call<CoordinationStore.Compute> ask =
        st -> of(st).compute(key, ttl, ticket, HOLD_MILLIS);
    new Poll<CoordinationStore.Compute>(
        RemoteKvCommands.park(reply),
        ask,
        ask,
        wait,
        c ->
            switch (c.outcome()) {
              case VALUE -> {
                RemoteStore.Value v = c.value();
                ByteOutput out = body.write(Reply.OK);
                if (v.json() != null) {
                  out.write(KvReplies.VALUE).write(v.json());
                }
                out.write(KvReplies.COMPRESSED).bool(v.compressed());
                yield true;
              }
              case CLAIMED -> {
                if (bind) {
                  bind(connection, key, c.token());
                }
                body.write(Reply.OK).write(COMPUTE).number(c.token());
                yield true;
              }
              case WAIT -> {
                waiting[0] = c.waiting();
                yield false;
              }
            },
        () ->
            new Timeout(
                ticket == null
                    ? null
                    : st -> {
                      of(st).cancelCompute(key, ticket);
                      return null;
                    },
                ErrorCodes.COMPUTE_TIMEOUT,
                wait == 0
                    ? Claims.beingComputed(name, waiting[0])
                    : "another caller has been computing '"
                        + name
                        + "' for longer than the wait ("
                        + wait
                        + " ms)"),
        result -> {
          // The client went away: a claim it was just given goes back.
          if (result.outcome() == CoordinationStore.ComputeOutcome.CLAIMED) {
            kv.background(() -> of(remote).releaseClaim(key, result.token()));
          }
        },
        ticket == null ? null : () -> of(remote).cancelCompute(key, ticket));
  }

  @Override
  public void barrier(Request r, Reply reply) {
    CoordinationMembers m = CoordinationMembers.of(r);
    if (CoordinationMembers.refused(m.checkBarrier(r), reply)
        || refusedWaiting(r.waitMillis, reply)) {
      return;
    }
    String name = r.keyString();
    int parties = (int) m.parties;
    long wait = r.waitMillis;
    String ticket = kv.newTicket();
    int[] arrived = {0}; // as last seen, for the timeout's message
    new Poll<CoordinationStore.Arrival>(
        RemoteKvCommands.park(reply),
        st -> of(st).barrierArrive(name, parties, ticket, HOLD_MILLIS),
        st -> of(st).barrierPoll(name, ticket, HOLD_MILLIS),
        wait,
        a ->
            switch (a.outcome()) {
              case RELEASED -> {
                body.write(Reply.OK)
                    .write(INDEX)
                    .number(a.index())
                    .write(PARTIES)
                    .number(a.parties());
                yield true;
              }
              case MISMATCH -> {
                error(
                    ErrorCodes.BARRIER_PARTIES_MISMATCH,
                    "barrier '"
                        + name
                        + "' is waited on by "
                        + a.arrived()
                        + " parties expecting "
                        + a.parties()
                        + ", not "
                        + parties);
                yield true;
              }
              case BROKEN -> {
                error(
                    ErrorCodes.BARRIER_BROKEN,
                    "barrier '"
                        + name
                        + "' broke with "
                        + a.arrived()
                        + " of "
                        + parties
                        + " parties waiting: "
                        + a.detail());
                yield true;
              }
              case WAITING -> {
                arrived[0] = a.arrived();
                yield false;
              }
            },
        () ->
            new Timeout(
                st -> {
                  of(st).barrierBreak(name, ticket, "a party's wait ran out");
                  return null;
                },
                ErrorCodes.BARRIER_TIMEOUT,
                "only "
                    + arrived[0]
                    + " of "
                    + parties
                    + " parties arrived at barrier '"
                    + name
                    + "' within "
                    + wait
                    + " ms"),
        result -> {},
        () -> of(remote).barrierBreak(name, ticket, "a party went away (its connection closed)"));
  }

  @Override
  public void acquire(Request r, Reply reply) {
    CoordinationMembers m = CoordinationMembers.of(r);
    if (CoordinationMembers.refused(m.checkAcquire(r), reply)
        || refusedWaiting(r.waitMillis, reply)) {
      return;
    }
    String name = r.keyString();
    int permits = (int) m.permits;
    long per = m.per;
    long wait = r.waitMillis;
    String ticket = wait > 0 ? kv.newTicket() : null;
    RemoteStore.Call<CoordinationStore.Grant> ask =
        st -> of(st).acquire(name, permits, per, ticket, HOLD_MILLIS);
    new Poll<CoordinationStore.Grant>(
        RemoteKvCommands.park(reply),
        ask,
        ask,
        wait,
        g ->
            switch (g.outcome()) {
              case GRANTED -> {
                body.write(Reply.OK).write(GRANTED).number(g.at());
                yield true;
              }
              case REFUSED -> {
                body.write(Reply.OK).write(REFUSED).number(g.retryAfter());
                yield true;
              }
              case MISMATCH -> {
                error(
                    ErrorCodes.LIMITER_MISMATCH,
                    "rate limiter '"
                        + name
                        + "' allows "
                        + g.permits()
                        + " per "
                        + g.per()
                        + " ms, not "
                        + permits
                        + " per "
                        + per
                        + " ms");
                yield true;
              }
              case QUEUED -> false;
            },
        () ->
            new Timeout(
                st -> {
                  of(st).cancelAcquire(name, ticket);
                  return null;
                },
                ErrorCodes.ACQUIRE_TIMEOUT,
                "no permit of rate limiter '"
                    + name
                    + "' within "
                    + wait
                    + " ms ("
                    + permits
                    + " per "
                    + per
                    + " ms)"),
        result -> {},
        ticket == null ? null : () -> of(remote).cancelAcquire(name, ticket));
  }

  // ---- polling ----

  /** How a wait ends when its time is up: a store call to leave, then the error answer. */
  private record Timeout(RemoteStore.Call<?> leave, String code, String message) {}

  /**
   * One waiting request: its first ask goes in order with its connection's calls, later asks
   * straight to the store, until {@code settle} wrote the final answer into its body or the wait is
   * over.
   */
  private final class Poll<T> {
    final Deferred pending;
    final RemoteStore.Call<T> again;
    final long deadline;
    final Function<T, Boolean> settle;
    final java.util.function.Supplier<Timeout> timeout;
    final java.util.function.Consumer<T> giveBack;
    final Runnable leave;
    int polls;

    /** Clock time the last ask was sent. */
    long askedAt;

    /** Counted among this broker's requests that may wait (until it is answered). */
    boolean counted;

    /** What it counts in the memory budget while counted. */
    long bytes;

    Poll(
        Deferred pending,
        RemoteStore.Call<T> first,
        RemoteStore.Call<T> again,
        long waitMillis,
        Function<T, Boolean> settle,
        java.util.function.Supplier<Timeout> timeout,
        java.util.function.Consumer<T> giveBack,
        Runnable leave) {
      this.pending = pending;
      this.again = again;
      this.deadline = clock.millis() + waitMillis;
      this.settle = settle;
      this.timeout = timeout;
      this.giveBack = giveBack;
      this.leave = leave;
      if (waitMillis > 0) {
        counted = true;
        waiting++;
        bytes = Waits.WAITER_BYTES + pending.bytes();
        hold(bytes);
      }
      askedAt = clock.millis();
      kv.holding(pending, first, this::answered);
    }

    @SuppressWarnings("unchecked")
    private void answered(Object result) {
      Connection c = pending.connection();
      body = pending.body();
      if (pending.cancelled() || c.inputClosed) {
        if (!(result instanceof RuntimeException)) {
          giveBack.accept((T) result);
        }
        if (leave != null) {
          kv.background(leave);
        }
        if (!pending.cancelled()) {
          // Its connection closes once its answers are written; this one is a refusal.
          end(
              RemoteKvCommands.error(
                  body, timeout.get().code(), "the connection was closed while waiting"));
        } else {
          uncount();
          kv.waitEnded(c);
        }
        return;
      }
      if (result instanceof RuntimeException e) {
        if (leave != null) {
          kv.background(leave);
        }
        end(failed(e));
        return;
      }
      kv.answered();
      int mark = body.mark();
      errorCode = null;
      if (settle.apply((T) result)) {
        end(errorCode);
        return;
      }
      body.truncate(mark);
      if (clock.millis() >= deadline) {
        if (askedAt < deadline) {
          // Asked before the wait ran out: what arrived since (another party, a permit) must be
          // seen, and the timeout's message must say how things stood when it ran out.
          ask();
          return;
        }
        Timeout t = timeout.get();
        if (t.leave() != null) {
          kv.background(() -> t.leave().on(remote));
        }
        end(RemoteKvCommands.error(body, t.code(), t.message()));
        return;
      }
      long delay = Math.min(RemoteKvCommands.MAX_POLL_MILLIS, 1L << Math.min(polls++, 5));
      try {
        kv.timer().schedule(() -> kv.onLoop(this::ask), delay, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException stopping) {
        // the broker is stopping; the connection closes with it
      }
    }

    private void ask() {
      askedAt = clock.millis();
      kv.submit(
          () -> {
            Object result;
            try {
              result = again.on(remote);
            } catch (RuntimeException e) {
              result = e;
            }
            Object r = result;
            kv.onLoop(() -> answered(r));
          },
          () -> answered(new StoreUnavailableException("the broker is stopping")));
    }

    private void end(String code) {
      uncount();
      pending.complete(code);
      kv.waitEnded(pending.connection());
    }

    private void uncount() {
      if (counted) {
        counted = false;
        waiting--;
        hold(-bytes);
      }
    }
  }

  /** Requests of this broker that may wait for their answer (bounded by maxLeaseWaiters). */
  private int waiting;

  /**
   * Refuses a request that may wait when maxLeaseWaiters such requests are under way; true if it
   * did. Checked before anything reaches the store, so a refused request leaves no trace there.
   */
  private boolean refusedWaiting(long waitMillis, Reply reply) {
    if (waitMillis <= 0) {
      return false;
    }
    if (waiting >= config.maxLeaseWaiters()) {
      reply.error(
          ErrorCodes.TOO_MANY_WAITERS,
          "the broker already holds "
              + config.maxLeaseWaiters()
              + " waiting coordination requests (maxLeaseWaiters)");
      return true;
    }
    return state.refusedMemory(reply, "waiting", Waits.waiterBytes(reply));
  }

  /** Counts {@code bytes} more (fewer when negative) of coordination state in the budget. */
  private void hold(long bytes) {
    state.budget.add(MemoryBudget.Part.COORDINATION, bytes);
  }

  /** Where settle() writes the answer of the wait being settled (loop thread only). */
  private ByteOutput body;

  /** The error code settle() wrote, if it wrote an error (loop thread only). */
  private String errorCode;

  private void error(String code, String message) {
    errorCode = RemoteKvCommands.error(body, code, message);
  }

  private String failed(RuntimeException e) {
    return kv.failed(e, body);
  }

  // ---- claims bound to connections ----

  private void bind(Connection c, byte[] key, long token) {
    if (c.key == null || !c.key.isValid()) {
      kv.background(() -> of(remote).releaseClaim(key, token)); // gone meanwhile
      return;
    }
    long every = BOUND_CLAIM_TTL / 3;
    ScheduledFuture<?> renewal;
    try {
      renewal =
          kv.timer()
              .scheduleWithFixedDelay(
                  () -> kv.background(() -> of(remote).renewClaim(key, token, BOUND_CLAIM_TTL)),
                  every,
                  every,
                  TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException stopping) {
      return;
    }
    List<BoundClaim> held = bound.get(c);
    if (held == null) {
      held = new ArrayList<>(1);
      bound.put(c, held);
      c.lines().releaseOnClose = () -> closed(c);
    }
    held.add(new BoundClaim(key, token, renewal));
    hold(BoundClaim.bytes(key));
  }

  private void unbind(Connection c, byte[] key, long token) {
    List<BoundClaim> held = c == null ? null : bound.get(c);
    if (held == null) {
      return;
    }
    held.removeIf(
        b -> {
          if (b.token() == token && java.util.Arrays.equals(b.key(), key)) {
            b.renewal().cancel(false);
            hold(-BoundClaim.bytes(key));
            return true;
          }
          return false;
        });
    if (held.isEmpty()) {
      bound.remove(c);
      c.lines().releaseOnClose = null;
    }
  }

  /** A connection closed: its claims are released, so a waiting caller computes at once. */
  private void closed(Connection c) {
    List<BoundClaim> held = bound.remove(c);
    if (held == null) {
      return;
    }
    for (BoundClaim b : held) {
      b.renewal().cancel(false);
      hold(-BoundClaim.bytes(b.key()));
      kv.background(() -> of(remote).releaseClaim(b.key(), b.token()));
    }
  }

  // ---- plumbing ----

  private static byte[] key(Request r) {
    return java.util.Arrays.copyOfRange(r.keyBuf, r.keyOff, r.keyOff + r.keyLen);
  }

  private static String ok(ByteOutput out, byte[] member, boolean value) {
    out.write(Reply.OK).write(member).bool(value);
    return null;
  }
}
