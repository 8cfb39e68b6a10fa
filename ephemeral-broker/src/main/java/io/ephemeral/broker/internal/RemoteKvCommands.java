package io.ephemeral.broker.internal;

import io.ephemeral.broker.Clock;
import io.ephemeral.broker.EvictionPolicy;
import io.ephemeral.broker.Interceptor;
import io.ephemeral.broker.store.RemoteStore;
import io.ephemeral.broker.store.StoreUnavailableException;
import io.ephemeral.protocol.ErrorCodes;
import java.nio.channels.Selector;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The KV actions when values and leases live in a {@link RemoteStore} (Redis) shared by several
 * brokers, registered instead of {@link KvCommands}. The memory path is untouched by this class.
 *
 * <p>Implementation notes. The event loop never waits for the store: a handler copies what it needs
 * out of the (reused) request, defers its answer ({@link Reply#defer}, {@link
 * Deferred.Order#PIPELINE}) and queues the store call on its connection; at the end of the loop
 * turn the calls of all connections go to the store as one pipeline ({@link #sendBatches}): through
 * the loop's own connection to the store ({@link StoreConnection}) when the store offers one, whose
 * answers the loop reads itself, else through one of a few store threads, whose results are handed
 * back to the loop ({@code onLoop}); either way the loop completes the {@link Deferred}s. A
 * connection's later requests are handled meanwhile (pipelined requests reach the store
 * concurrently), but every answer waits in the connection's queue until those before it are
 * written, so answers keep request order. The queue is bounded per connection ({@link
 * Clients#MAX_QUEUED_ANSWERS}); beyond it the connection's further lines wait.
 *
 * <p>A lease with {@code wait} polls: the store keeps the worker's place in a first-come,
 * first-served queue shared by all brokers, and this broker asks again with backoff (at most {@link
 * #MAX_POLL_MILLIS} apart), at once when a lease of that pool is released through this broker,
 * until it is granted or the wait is over.
 */
final class RemoteKvCommands implements KvActions {
  /** Longest pause between two polls of a waiting lease request. */
  static final long MAX_POLL_MILLIS = 25;

  /**
   * Most calls of one connection sent to the store together: as many as the connection may have
   * waiting, so a deep pipeline costs a few store round trips (each a hand-off to a store thread,
   * Redis's answer and a hand-off back, which a busy host stretches to milliseconds), not one per
   * 64 requests. Redis runs a thousand plain commands in well under a millisecond, so the other
   * connections' calls in the same pipeline hardly wait for them.
   */
  static final int MAX_BATCH = Clients.MAX_QUEUED_ANSWERS;

  private final BrokerConfig config;
  private final RemoteStore store;
  private final Metrics metrics;
  private final LoopState state;
  private final BrokerLog log;
  private final Clock clock;
  private final Consumer<Runnable> onLoop;
  private final ExecutorService threads;
  private final ScheduledExecutorService timer;
  private final boolean lru;

  /** The loop's own connection to the store, for the turn's batches (loop thread only). */
  private final StoreConnection connection;

  /** Connections whose queued calls go to the store at the end of this loop turn (loop only). */
  private final List<Chain> outgoing = new ArrayList<>();

  /** Waiting lease requests of this broker by pool key (loop thread only). */
  private final HashMap<String, List<Waiter>> waiters = new HashMap<>();

  /** The store's timer thread (for polls). */
  ScheduledExecutorService timer() {
    return timer;
  }

  /** Runs {@code task} on the loop thread. */
  void onLoop(Runnable task) {
    onLoop.accept(task);
  }

  /** A ticket unique to one wait, among all brokers. */
  String newTicket() {
    return ticketPrefix + Long.toHexString(++tickets);
  }

  private final String ticketPrefix =
      Long.toHexString(new java.security.SecureRandom().nextLong()) + "-";
  private long tickets;
  private boolean sweeping;
  private boolean unavailableLogged;
  private final CapacityWarning capacityWarning = new CapacityWarning();

  /** Writes a store result as the body of an answer; returns the error code, or null for ok. */
  @FunctionalInterface
  interface Answer<T> {
    String write(T result, ByteOutput out);
  }

  /** A lease request waiting for a slot (loop thread only). */
  private static final class Waiter {
    final Deferred pending;
    final String key;
    final String workerId;
    final long ttl;
    final int size;
    final String ticket;
    final long deadline;
    int polls;
    boolean inFlight;
    boolean again;
    boolean done;
    ScheduledFuture<?> next;

    Waiter(
        Deferred pending,
        String key,
        String workerId,
        long ttl,
        int size,
        String ticket,
        long deadline) {
      this.pending = pending;
      this.key = key;
      this.workerId = workerId;
      this.ttl = ttl;
      this.size = size;
      this.ticket = ticket;
      this.deadline = deadline;
    }
  }

  RemoteKvCommands(
      BrokerConfig config,
      RemoteStore store,
      Metrics metrics,
      LoopState state,
      BrokerLog log,
      Selector selector,
      Consumer<Runnable> onLoop) {
    this.config = config;
    this.store = store;
    this.metrics = metrics;
    this.state = state;
    this.log = log;
    this.clock = config.clock();
    this.onLoop = onLoop;
    this.lru = config.evictionPolicy() == EvictionPolicy.LRU;
    this.threads =
        Executors.newFixedThreadPool(
            Math.max(1, store.concurrency()), daemon("ephemeral-broker-store"));
    this.timer = Executors.newSingleThreadScheduledExecutor(daemon("ephemeral-broker-store-timer"));
    this.connection = new StoreConnection(store, selector, onLoop, this::submit, timer, log);
  }

  private static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  void registerAll(CommandTable table) {
    KvActions.registerAll(table, this);
  }

  /** Stops the store threads; answers still on their way are dropped with the connections. */
  void shutdown() {
    connection.close();
    threads.shutdownNow();
    timer.shutdownNow();
  }

  // ---- actions ----

  @Override
  public void get(Request r, Reply reply) {
    byte[] key = key(r);
    boolean refresh = config.refreshTtlOnGet();
    run(
        park(reply),
        st -> st.get(key, refresh, lru),
        (v, out) -> {
          switch (v.found()) {
            case MISSING:
              return error(out, ErrorCodes.NOT_FOUND, null);
            case EXPIRED:
              metrics.expiredItem();
              return error(out, ErrorCodes.EXPIRED, null);
            default:
              KvReplies.value(out.write(Reply.OK), v.json(), false, null, v.compressed());
              return null;
          }
        });
  }

  @Override
  public void set(Request r, Reply reply) {
    byte[] key = key(r);
    long ttl = r.ttlState == Request.VALID ? r.ttl : config.defaultTtlMillis();
    byte[] value = r.valuePresent ? Arrays.copyOfRange(r.line, r.valueOff, r.valueEnd) : null;
    boolean compressed = r.compressed;
    long before = r.beforeSize;
    long after = r.afterSize;
    int maxItems = config.maxItems();
    run(
        park(reply),
        st -> st.set(key, value, compressed, ttl, maxItems, lru),
        (s, out) -> {
          if (s.full()) {
            return error(out, ErrorCodes.MAX_ITEMS, null);
          }
          for (int i = 0; i < s.evicted(); i++) {
            metrics.evicted();
          }
          metrics.compression(compressed, before, after);
          out.write(Reply.OK);
          return null;
        });
  }

  @Override
  public void del(Request r, Reply reply) {
    if (!r.hasKey()) {
      KvReplies.deleted(reply.ok(), false);
      reply.end();
      return;
    }
    byte[] key = key(r);
    run(
        park(reply),
        st -> st.delete(key),
        (deleted, out) -> {
          KvReplies.deleted(out.write(Reply.OK), deleted);
          return null;
        });
  }

  @Override
  public void list(Request r, Reply reply) {
    run(
        park(reply),
        RemoteStore::list,
        (items, out) -> {
          KvReplies.items(out.write(Reply.OK));
          boolean first = true;
          for (RemoteStore.Item item : items) {
            KvReplies.item(
                out, first, item.key(), item.key().length, item.expires(), item.hasValue());
            first = false;
          }
          KvReplies.endItems(out);
          return null;
        });
  }

  @Override
  public void ping(Request r, Reply reply) {
    KvReplies.pong(reply.ok(), clock.millis());
    reply.end();
  }

  @Override
  public void stats(Request r, Reply reply) {
    run(
        park(reply),
        RemoteStore::counts,
        (c, out) -> {
          capacityWarning.check(c.items(), config.maxItems(), log);
          KvReplies.stats(
              out.write(Reply.OK),
              state.budget,
              c.items(),
              c.leases(),
              c.waiters(),
              config.maxItems(),
              c.approximateBytes(),
              metrics.evictions(),
              clock.millis() - state.startedAt);
          return null;
        });
  }

  @Override
  public void health(Request r, Reply reply) {
    run(
        park(reply),
        RemoteStore::counts,
        (c, out) -> {
          capacityWarning.check(c.items(), config.maxItems(), log);
          KvReplies.health(
              out.write(Reply.OK),
              metrics,
              state,
              c.items(),
              c.leases(),
              config.maxItems(),
              clock.millis());
          return null;
        });
  }

  @Override
  public void lease(Request r, Reply reply) {
    Interceptor.Rejection badArguments = KvReplies.leaseArgumentsRefused(r);
    if (badArguments != null) {
      reply.error(badArguments.code(), badArguments.message());
      return;
    }
    long ttl = r.ttlState == Request.VALID ? r.ttl : config.defaultTtlMillis();
    String key = r.keyString();
    String worker = r.workerId;
    int size = r.size;
    long wait = r.waitMillis;
    Deferred p = park(reply);
    if (wait <= 0) {
      run(
          p,
          st -> st.lease(key, worker, ttl, size, null),
          (l, out) -> leaseAnswer(l, key, worker, size, out));
      return;
    }
    Waiter w = new Waiter(p, key, worker, ttl, size, newTicket(), clock.millis() + wait);
    waiters.computeIfAbsent(key, k -> new ArrayList<>()).add(w);
    // The first ask is in request order with the connection's other calls; the connection's later
    // calls wait until this one is answered (as in memory mode), the polls go straight to the
    // store.
    w.inFlight = true;
    holding(
        p,
        st -> st.lease(key, worker, ttl, size, w.ticket),
        result -> {
          RuntimeException f = result instanceof RuntimeException e ? e : null;
          polled(w, f == null ? (RemoteStore.Lease) result : null, f);
        });
  }

  private static String leaseAnswer(
      RemoteStore.Lease l, String key, String worker, int size, ByteOutput out) {
    if (l.outcome() == RemoteStore.LeaseOutcome.GRANTED) {
      KvReplies.granted(out.write(Reply.OK), l.slot(), l.token());
      return null;
    }
    Interceptor.Rejection refused =
        KvReplies.leaseRefused(l.outcome(), key, worker, l.poolSize(), size);
    return error(out, refused.code(), refused.message());
  }

  @Override
  public void release(Request r, Reply reply) {
    String worker = r.workerId;
    run(
        park(reply),
        st -> st.release(worker, 0),
        (rel, out) -> {
          if (rel.outcome() == RemoteStore.ReleaseOutcome.EXPIRED) {
            metrics.expiredLease();
          }
          if (rel.poolKey() != null) {
            wake(rel.poolKey());
          }
          KvReplies.released(
              out.write(Reply.OK), rel.outcome() == RemoteStore.ReleaseOutcome.RELEASED);
          return null;
        });
  }

  // ---- waiting lease requests ----

  /** Asks the store once for the waiter's slot (loop thread). */
  private void poll(Waiter w) {
    w.inFlight = true;
    w.next = null;
    submit(
        () -> {
          RemoteStore.Lease result = null;
          RuntimeException failure = null;
          try {
            result = store.lease(w.key, w.workerId, w.ttl, w.size, w.ticket);
          } catch (RuntimeException e) {
            failure = e;
          } catch (Error e) {
            failure = new IllegalStateException("the store call failed: " + e, e);
          }
          RemoteStore.Lease l = result;
          RuntimeException f = failure;
          onLoop.accept(() -> polled(w, l, f));
        },
        () -> polled(w, null, new StoreUnavailableException("the broker is stopping")));
  }

  private void polled(Waiter w, RemoteStore.Lease l, RuntimeException failure) {
    w.inFlight = false;
    if (w.pending.cancelled() || w.pending.connection().inputClosed) {
      // The client went away (or stopped sending) while it waited: give back whatever it was given.
      forget(w);
      if (l != null && l.outcome() == RemoteStore.LeaseOutcome.GRANTED) {
        background(() -> store.release(w.workerId, l.token()));
      } else {
        leaveQueue(w);
      }
      if (!w.pending.cancelled()) {
        // Its connection closes once its answers are written; this one is a refusal.
        w.pending.error(ErrorCodes.LEASE_TIMEOUT, "the connection was closed while waiting");
      }
      waitOver(chain(w.pending.connection()));
      return;
    }
    if (failure != null) {
      forget(w);
      leaveQueue(w);
      w.pending.complete(failed(failure, w.pending.body()));
      waitOver(chain(w.pending.connection()));
      return;
    }
    answered();
    if (l.outcome() != RemoteStore.LeaseOutcome.QUEUED) {
      forget(w);
      w.pending.complete(leaseAnswer(l, w.key, w.workerId, w.size, w.pending.body()));
      waitOver(chain(w.pending.connection()));
      return;
    }
    if (clock.millis() >= w.deadline) {
      forget(w);
      Deferred p = w.pending;
      submit(
          () -> {
            quietly(() -> store.cancelWait(w.workerId, w.ticket));
            onLoop.accept(
                () -> {
                  wake(w.key); // the next in the queue may be first now
                  p.error(ErrorCodes.LEASE_TIMEOUT, null);
                  waitOver(chain(p.connection()));
                });
          },
          () -> p.error(ErrorCodes.LEASE_TIMEOUT, null));
      return;
    }
    if (w.again) {
      w.again = false;
      poll(w);
      return;
    }
    long delay = Math.min(MAX_POLL_MILLIS, 1L << Math.min(w.polls++, 5));
    try {
      w.next =
          timer.schedule(
              () ->
                  onLoop.accept(
                      () -> {
                        if (!w.done && !w.inFlight) {
                          poll(w); // also when the client went away: polled() then gives up its
                          // place
                        }
                      }),
              delay,
              TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException stopping) {
      // the broker is stopping; the connection closes with it
    }
  }

  /** A lease of {@code poolKey} was given back through this broker: its waiters ask at once. */
  private void wake(String poolKey) {
    List<Waiter> list = waiters.get(poolKey);
    if (list == null) {
      return;
    }
    for (Waiter w : new ArrayList<>(list)) {
      if (w.inFlight) {
        w.again = true;
      } else if (!w.done) {
        if (w.next != null) {
          w.next.cancel(false);
        }
        poll(w);
      }
    }
  }

  private void forget(Waiter w) {
    w.done = true;
    if (w.next != null) {
      w.next.cancel(false);
      w.next = null;
    }
    List<Waiter> list = waiters.get(w.key);
    if (list != null) {
      list.remove(w);
      if (list.isEmpty()) {
        waiters.remove(w.key);
      }
    }
  }

  private void leaveQueue(Waiter w) {
    background(
        () -> {
          store.cancelWait(w.workerId, w.ticket);
          onLoop.accept(() -> wake(w.key));
        });
  }

  // ---- sweeping ----

  /** Removes expired items, leases and abandoned waits from the store (from the loop's sweeper). */
  void sweep(int budget) {
    if (sweeping) {
      return;
    }
    sweeping = true;
    submit(
        () -> {
          long[] removed = null;
          try {
            removed = store.sweep(budget);
          } catch (StoreUnavailableException e) {
            // requests report it; the next sweep tries again
          } catch (RuntimeException e) {
            log.error("Store sweep failed", e);
          }
          long[] r = removed;
          onLoop.accept(
              () -> {
                sweeping = false;
                if (r != null) {
                  for (long i = 0; i < r[0]; i++) {
                    metrics.expiredItem();
                  }
                  for (long i = 0; i < r[1]; i++) {
                    metrics.expiredLease();
                  }
                }
              });
        },
        () -> sweeping = false);
  }

  // ---- plumbing ----

  private static byte[] key(Request r) {
    return Arrays.copyOfRange(r.keyBuf, r.keyOff, r.keyOff + r.keyLen);
  }

  /** Defers the answer: it is written when the store call completes, in request order. */
  static Deferred park(Reply reply) {
    return reply.defer(Deferred.Order.PIPELINE);
  }

  /**
   * Runs a store call off the loop, in order with the connection's other calls, and answers with
   * its result.
   */
  <T> void run(Deferred p, RemoteStore.Call<T> call, Answer<T> answer) {
    enqueue(new Queued<>(p, call, answer, null));
  }

  /**
   * Sends the first ask of a waiting request in order with the connection's other calls and hands
   * its result (or the RuntimeException) to {@code firstAnswer} on the loop. The connection's later
   * calls wait until {@link #waitEnded} is called for it, as in memory mode.
   */
  void holding(Deferred p, RemoteStore.Call<?> call, Consumer<Object> firstAnswer) {
    enqueue(new Queued<>(p, call, null, firstAnswer));
  }

  /** A waiting request of {@code c} is answered: its later calls go on. */
  void waitEnded(Connection c) {
    waitOver(chain(c));
  }

  /** A connection's store calls not yet sent, and what keeps them from going. */
  private static final class Chain {
    final ArrayDeque<Queued<?>> queue = new ArrayDeque<>();

    /** Batches of this connection with the store. */
    int inFlight;

    /**
     * One of them went through a store thread: nothing else goes until it is answered (it may still
     * be on its way to the store).
     */
    boolean onThreads;

    /** A waiting request holds the later calls until it is answered. */
    boolean holding;

    /** In {@link #outgoing}: its calls go at the end of this turn. */
    boolean scheduled;
  }

  /** One store call of a connection and what to do with its result. */
  private static final class Queued<T> {
    final Deferred pending;
    final RemoteStore.Call<T> call;
    final Answer<T> answer;

    /**
     * Set for the first ask of a waiting request: gets its result, and the chain holds its later
     * calls until the wait ends ({@link #waitEnded}).
     */
    final Consumer<Object> hold;

    Queued(Deferred pending, RemoteStore.Call<T> call, Answer<T> answer, Consumer<Object> hold) {
      this.pending = pending;
      this.call = call;
      this.answer = answer;
      this.hold = hold;
    }
  }

  private static Chain chain(Connection c) {
    LineProtocol lines = c.lines();
    if (lines.storeCalls == null) {
      lines.storeCalls = new Chain();
    }
    return (Chain) lines.storeCalls;
  }

  private void enqueue(Queued<?> q) {
    Chain chain = chain(q.pending.connection());
    chain.queue.add(q);
    schedule(chain);
  }

  /** The chain's waiting request is answered: its later calls go on. */
  private void waitOver(Chain chain) {
    chain.holding = false;
    schedule(chain);
  }

  /**
   * Marks a connection's queued calls for sending at the end of this loop turn ({@link
   * #sendBatches}), unless a waiting request holds them.
   */
  private void schedule(Chain chain) {
    if (!chain.scheduled && !chain.holding && !chain.queue.isEmpty()) {
      chain.scheduled = true;
      outgoing.add(chain);
    }
  }

  /**
   * Sends the calls of every connection that has some ready, from the end of a loop turn, as one
   * pipeline through the loop's connection to the store, or when there is none ({@link
   * RemoteStore#inOrder}) through one store thread: the store runs them in order, so each
   * connection's requests take effect in the order they were sent, and the requests of many
   * connections share one round trip (and one hand-off to a store thread) instead of one each. A
   * connection sends at most {@link #MAX_BATCH} calls at a time, and a waiting request ends its
   * batch: what came after it waits until it is answered.
   *
   * <p>On the loop's connection a connection's next batch goes while the one before is still out:
   * the store answers that one connection in order, so a pipelining client keeps the store busy
   * instead of waiting a round trip per batch. Through the store threads, whose batches may run
   * side by side, a connection has one batch out at a time.
   */
  void sendBatches() {
    if (!outgoing.isEmpty()) {
      sendOutgoing();
    }
    // Also what reading the store's answers queued on the loop's connection (removing expired
    // items).
    connection.flush();
  }

  private void sendOutgoing() {
    boolean pipelined = connection.isOpen();
    List<Chain> chains = new ArrayList<>(outgoing.size());
    List<List<Queued<?>>> batches = new ArrayList<>(outgoing.size());
    List<RemoteStore.Call<?>> calls = new ArrayList<>();
    for (Chain chain : outgoing) {
      chain.scheduled = false;
      if (chain.holding || chain.onThreads || !pipelined && chain.inFlight > 0) {
        continue; // scheduled again when the wait is over or its batch is answered
      }
      List<Queued<?>> batch = new ArrayList<>(Math.min(chain.queue.size(), MAX_BATCH));
      while (!chain.queue.isEmpty() && batch.size() < MAX_BATCH) {
        Queued<?> q = chain.queue.poll();
        batch.add(q);
        calls.add(q.call);
        if (q.hold != null) {
          chain.holding = true;
          break;
        }
      }
      chain.inFlight++;
      chain.onThreads = !pipelined;
      chains.add(chain);
      batches.add(batch);
    }
    outgoing.clear();
    if (chains.isEmpty()) {
      return;
    }
    if (pipelined) {
      connection.send(calls, results -> deliverAll(chains, batches, results));
      return;
    }
    connection.open(); // for the turns after this one
    submit(
        () -> {
          List<Object> results;
          try {
            results = store.inOrder(calls);
          } catch (RuntimeException e) {
            results = java.util.Collections.nCopies(calls.size(), e);
          } catch (Error e) {
            // Every call still gets its answer: a store thread that failed this way answers them.
            results =
                java.util.Collections.nCopies(
                    calls.size(), new IllegalStateException("the store call failed: " + e, e));
          }
          List<Object> r = results;
          onLoop.accept(() -> deliverAll(chains, batches, r));
        },
        () ->
            deliverAll(
                chains,
                batches,
                java.util.Collections.nCopies(
                    calls.size(), new StoreUnavailableException("the broker is stopping"))));
  }

  /** Whether calls wait for {@link #sendBatches} (queued after this turn's, e.g. while writing). */
  boolean hasOutgoing() {
    return !outgoing.isEmpty();
  }

  private void deliverAll(List<Chain> chains, List<List<Queued<?>>> batches, List<Object> results) {
    int from = 0;
    for (int i = 0; i < chains.size(); i++) {
      int n = batches.get(i).size();
      delivered(chains.get(i), batches.get(i), results.subList(from, from + n));
      from += n;
    }
  }

  private void delivered(Chain chain, List<Queued<?>> batch, List<Object> results) {
    chain.inFlight--;
    chain.onThreads = false; // a batch through the threads is the chain's only one out
    for (int i = 0; i < batch.size(); i++) {
      Object result = results.get(i);
      Queued<?> q = batch.get(i);
      if (q.hold != null) {
        // The wait releases the chain when it is over (waitEnded); while it polls, the chain waits.
        q.hold.accept(result);
      } else {
        complete(q, result);
      }
    }
    schedule(chain);
  }

  @SuppressWarnings("unchecked")
  private <T> void complete(Queued<T> q, Object result) {
    Deferred p = q.pending;
    if (p.cancelled()) {
      return;
    }
    ByteOutput out = p.body();
    String code;
    if (result instanceof RuntimeException) {
      code = failed((RuntimeException) result, out);
    } else {
      answered();
      int mark = out.mark();
      try {
        code = q.answer.write((T) result, out);
      } catch (RuntimeException e) {
        out.truncate(mark);
        code = failed(e, out);
      } catch (Error e) {
        out.truncate(mark);
        code = failed(new IllegalStateException("writing the answer failed: " + e, e), out);
      }
    }
    p.complete(code);
  }

  /** Runs {@code task} on a store thread, or {@code whenStopping} on the loop if they are gone. */
  void submit(Runnable task, Runnable whenStopping) {
    try {
      threads.execute(task);
    } catch (RejectedExecutionException e) {
      whenStopping.run();
    }
  }

  /** A store call whose outcome nobody waits for (giving back a slot, leaving a queue). */
  void background(Runnable task) {
    submit(() -> quietly(task), () -> {});
  }

  private void quietly(Runnable task) {
    try {
      task.run();
    } catch (StoreUnavailableException e) {
      // The store forgets abandoned waits and leases by their own deadlines.
    } catch (RuntimeException e) {
      log.error("Store call failed", e);
    }
  }

  String failed(RuntimeException e, ByteOutput out) {
    if (e instanceof StoreUnavailableException) {
      if (!unavailableLogged) {
        unavailableLogged = true;
        log.warn(
            "The store is unavailable; requests are answered store_unavailable until it answers again",
            "store",
            store.describe(),
            "error",
            e.getMessage());
      }
      return error(out, ErrorCodes.STORE_UNAVAILABLE, e.getMessage());
    }
    log.error("Store call failed", e);
    return error(
        out, ErrorCodes.INTERNAL_ERROR, "the broker could not complete the request; see its log");
  }

  static String error(ByteOutput out, String code, String message) {
    Reply.writeError(out, code, message);
    return code;
  }

  /** The store answered: if it had been unavailable, say that it is back. */
  void answered() {
    if (unavailableLogged) {
      unavailableLogged = false;
      log.info("The store answers again", "store", store.describe());
    }
  }
}
