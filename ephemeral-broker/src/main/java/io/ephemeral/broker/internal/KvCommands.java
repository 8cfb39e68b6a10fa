package io.ephemeral.broker.internal;

import io.ephemeral.broker.Clock;
import io.ephemeral.broker.Interceptor;
import io.ephemeral.broker.ValueProvider;
import io.ephemeral.protocol.ErrorCodes;
import java.nio.charset.StandardCharsets;

/**
 * The built-in actions of the KV protocol: get, set, del, list, ping, stats, health, metrics,
 * lease, release. Every check common to several actions already ran in {@link Dispatcher}.
 */
final class KvCommands implements KvActions, Leases.WaiterListener {
  private final BrokerConfig config;
  private final MemoryStore store;
  private final Leases leases;
  private final Metrics metrics;
  private final LoopState state;
  private final Clock clock;
  private final ValueCodec codec = new ValueCodec();
  private final BrokerLog log;
  private final CapacityWarning capacityWarning = new CapacityWarning();
  private final MemoryBudget budget;

  /** The gets waiting for a provider's run, by key. */
  private final java.util.HashMap<String, java.util.List<Deferred>> loading =
      new java.util.HashMap<>();

  private java.util.concurrent.ExecutorService providerThreads;
  private java.util.function.Consumer<Runnable> onLoop;

  /**
   * {@code clock} is the loop's {@link TurnClock}: one clock read per loop turn, not per request.
   */
  KvCommands(
      BrokerConfig config,
      Clock clock,
      MemoryStore store,
      Leases leases,
      Metrics metrics,
      LoopState state,
      BrokerLog log) {
    this.config = config;
    this.store = store;
    this.leases = leases;
    this.metrics = metrics;
    this.state = state;
    this.clock = clock;
    this.log = log;
    this.budget = state.budget;
    leases.listener(this);
  }

  void registerAll(CommandTable table) {
    KvActions.registerAll(table, this);
  }

  @Override
  public void get(Request r, Reply reply) {
    int hash = store.hash(r.keyBuf, r.keyOff, r.keyLen);
    MemoryStore.Entry e = store.find(r.keyBuf, r.keyOff, r.keyLen, hash);
    long now = clock.millis();
    if (e == null || e.deadline <= now) {
      if (e != null) {
        store.expire(e);
      }
      if (!config.providers().isEmpty() && provide(r, reply)) {
        return;
      }
      reply.error(e == null ? ErrorCodes.NOT_FOUND : ErrorCodes.EXPIRED);
      return;
    }
    store.touch(e, now, config.refreshTtlOnGet());
    writeValue(e, reply.ok());
    reply.end();
  }

  /** The live entry of the request's key, or null (an expired one is removed). */
  MemoryStore.Entry live(Request r, long now) {
    MemoryStore.Entry e =
        store.find(r.keyBuf, r.keyOff, r.keyLen, store.hash(r.keyBuf, r.keyOff, r.keyLen));
    if (e != null && e.deadline <= now) {
      store.expire(e);
      return null;
    }
    return e;
  }

  /** The members of a get answer after its ok: the value (when the entry has one), compressed. */
  void writeValue(MemoryStore.Entry e, ByteOutput out) {
    KvReplies.value(
        out,
        e.hasValue() ? e.data : null,
        e.valueOffset(),
        e.storedGzip ? e.storedValueLength() : e.valueLength,
        e.storedGzip,
        codec,
        e.clientCompressed);
  }

  @Override
  public void set(Request r, Reply reply) {
    if (put(r, null, reply)) {
      reply.ok();
      reply.end();
    }
  }

  /**
   * Stores the request's value under its key as set does (within the memory budget, compressed when
   * large, counted in the compression metrics), or {@code counter} instead when it is not null (an
   * incr's new value, never compressed).
   *
   * @return whether it was stored; if not, {@code reply} holds the refusal (memory_limit or
   *     max_items)
   */
  boolean put(Request r, byte[] counter, Reply reply) {
    long now = clock.millis();
    long ttl = r.ttlState == Request.VALID ? r.ttl : config.defaultTtlMillis();
    boolean gzip = false;
    int valueLength =
        counter != null ? counter.length : r.valuePresent ? r.valueEnd - r.valueOff : 0;
    int hash = store.hash(r.keyBuf, r.keyOff, r.keyLen);
    MemoryStore.Entry existing = store.find(r.keyBuf, r.keyOff, r.keyLen, hash);
    long need = MemoryStore.growth(existing, r.keyLen, valueLength);
    if (need > 0 && !budget.fits(need)) {
      if (store.makeRoom(need, existing, now)) {
        // Making room drops expired entries, perhaps the one under this key.
        existing = store.find(r.keyBuf, r.keyOff, r.keyLen, hash);
        need = MemoryStore.growth(existing, r.keyLen, valueLength);
      }
      if (!budget.fits(need)) {
        // Refused before anything is copied.
        state.limitHit(Limit.MAX_MEMORY);
        reply.error(ErrorCodes.MEMORY_LIMIT, budget.refusal("this value", need));
        return false;
      }
    }
    // Stored as sent, straight from the request line, unless compressed below; a counter as its
    // digits.
    byte[] stored = counter != null ? counter : r.valuePresent ? r.line : null;
    int storedOff = counter != null ? 0 : r.valueOff;
    int storedLength = valueLength;
    if (counter == null
        && r.valuePresent
        && config.compression()
        && !r.compressed
        && valueLength >= Math.max(64, config.compressionThreshold())) {
      byte[] packed = codec.deflate(r.line, r.valueOff, valueLength);
      if (packed.length < valueLength) {
        stored = packed;
        storedOff = 0;
        storedLength = packed.length;
        gzip = true;
      }
    }
    if (store.put(
            existing,
            r.keyBuf,
            r.keyOff,
            r.keyLen,
            hash,
            stored,
            storedOff,
            storedLength,
            valueLength,
            gzip,
            counter == null && r.compressed,
            ttl,
            now)
        == MemoryStore.FULL) {
      reply.error(ErrorCodes.MAX_ITEMS);
      return false;
    }
    if (counter == null) {
      metrics.compression(r.compressed, r.beforeSize, r.afterSize);
    }
    capacityWarning.check(store.size(), store.maxItems(), log);
    return true;
  }

  @Override
  public void del(Request r, Reply reply) {
    boolean deleted =
        r.hasKey()
            && store.delete(r.keyBuf, r.keyOff, r.keyLen, store.hash(r.keyBuf, r.keyOff, r.keyLen));
    KvReplies.deleted(reply.ok(), deleted);
    reply.end();
  }

  @Override
  public void list(Request r, Reply reply) {
    long now = clock.millis();
    store.purgeExpired(now);
    ByteOutput out = reply.ok();
    KvReplies.items(out);
    boolean[] first = {true};
    store.forEachLive(
        now,
        e -> {
          KvReplies.item(out, first[0], e.data, e.keyLength, e.deadline, e.hasValue());
          first[0] = false;
        });
    KvReplies.endItems(out);
    reply.end();
  }

  @Override
  public void ping(Request r, Reply reply) {
    KvReplies.pong(reply.ok(), clock.millis());
    reply.end();
  }

  @Override
  public void stats(Request r, Reply reply) {
    long now = clock.millis();
    store.purgeExpired(now);
    leases.purgeExpired(now);
    KvReplies.stats(
        reply.ok(),
        budget,
        store.size(),
        leases.size(),
        leases.waiters(),
        store.maxItems(),
        store.approximateBytes(),
        metrics.evictions(),
        now - state.startedAt);
    reply.end();
  }

  @Override
  public void health(Request r, Reply reply) {
    long now = clock.millis();
    store.purgeExpired(now);
    leases.purgeExpired(now);
    capacityWarning.check(store.size(), store.maxItems(), log);
    KvReplies.health(
        reply.ok(), metrics, state, store.size(), leases.size(), store.maxItems(), now);
    reply.end();
  }

  @Override
  public void lease(Request r, Reply reply) {
    Interceptor.Rejection badArguments = KvReplies.leaseArgumentsRefused(r);
    if (badArguments != null) {
      reply.error(badArguments.code(), badArguments.message());
      return;
    }
    long now = clock.millis();
    long ttl = r.ttlState == Request.VALID ? r.ttl : config.defaultTtlMillis();
    String key = r.keyString();
    int value = leases.acquire(key, r.workerId, ttl, r.size, now);
    if (value >= 0) {
      KvReplies.granted(reply.ok(), value, leases.lastToken());
      reply.end();
      return;
    }
    if (value == Leases.MEMORY_FULL) {
      state.limitHit(Limit.MAX_MEMORY);
      reply.error(
          ErrorCodes.MEMORY_LIMIT, budget.refusal("this lease", Leases.leaseBytes(r.workerId)));
      return;
    }
    boolean wait = value == Leases.POOL_FULL && r.waitMillis > 0 && reply.connection() != null;
    if (wait && leases.waiters() >= config.maxLeaseWaiters()) {
      state.limitHit(Limit.MAX_LEASE_WAITERS);
      reply.error(
          ErrorCodes.POOL_EXHAUSTED,
          KvReplies.poolFull(key, leases.sizeOf(key))
              + " and maxLeaseWaiters ("
              + config.maxLeaseWaiters()
              + ") requests already wait for slots");
    } else if (wait && !budget.fits(Leases.WAITER_BYTES + Leases.leaseBytes(r.workerId))) {
      state.limitHit(Limit.MAX_MEMORY);
      reply.error(
          ErrorCodes.MEMORY_LIMIT,
          budget.refusal(
              "waiting for a slot", Leases.WAITER_BYTES + Leases.leaseBytes(r.workerId)));
    } else if (wait) {
      Deferred later = reply.defer(Deferred.Order.HOLD);
      Leases.Waiter w = leases.park(key, r.workerId, ttl, now + r.waitMillis, later, later.bytes());
      later.onClose(() -> leases.cancel(w));
    } else {
      Interceptor.Rejection refused =
          KvReplies.leaseRefused(
              Leases.outcome(value), key, r.workerId, leases.sizeOf(key), r.size);
      reply.error(refused.code(), refused.message());
    }
  }

  /**
   * A missing key that a provider serves: the get waits for the provider's one run for this key
   * (started now unless it is already running). Returns false when no provider matches.
   */
  private boolean provide(Request r, Reply reply) {
    String key = r.keyString();
    BrokerConfig.ProviderEntry match = null;
    for (BrokerConfig.ProviderEntry p : config.providers()) {
      if (p.matches(key)) {
        match = p;
        break;
      }
    }
    if (match == null || reply.connection() == null) {
      return false;
    }
    java.util.List<Deferred> waiters = loading.get(key);
    if (waiters == null) {
      waiters = new java.util.ArrayList<>();
      loading.put(key, waiters);
      ValueProvider provider = match.provider();
      providerThreads.execute(
          () -> {
            ValueProvider.Provided result = null;
            Throwable failure = null;
            try {
              result = provider.load(key);
              if (result == null) {
                failure = new IllegalStateException("the provider returned nothing");
              }
            } catch (Exception | Error ex) {
              failure = ex;
            }
            ValueProvider.Provided value = result;
            Throwable error = failure;
            onLoop.accept(() -> provided(key, value, error));
          });
    }
    Deferred later = reply.defer(Deferred.Order.HOLD);
    waiters.add(later);
    java.util.List<Deferred> list = waiters;
    later.onClose(() -> list.remove(later));
    return true;
  }

  /** The provider's run for {@code key} ended: store the value and answer every waiting get. */
  private void provided(String key, ValueProvider.Provided value, Throwable error) {
    java.util.List<Deferred> waiters = loading.remove(key);
    byte[] json = null;
    String failure = null;
    if (error != null) {
      failure = "the provider for '" + key + "' failed: " + error;
    } else {
      try {
        json =
            io.ephemeral.protocol.JsJson.canonicalize(
                value.json().getBytes(StandardCharsets.UTF_8));
      } catch (RuntimeException e) {
        failure = "the provider for '" + key + "' returned invalid JSON: " + e.getMessage();
      } catch (Error e) {
        failure = "the provider's value for '" + key + "' could not be read: " + e;
      }
    }
    if (failure != null) {
      log.warn("Value provider failed", "key", key, "error", failure);
    } else {
      keepProvided(key, value, json);
    }
    if (waiters == null) {
      return;
    }
    for (Deferred later : waiters) {
      if (failure == null) {
        byte[] body = json;
        later.answer(null, out -> KvReplies.value(out.write(Reply.OK), body, false, codec, false));
      } else {
        later.error(ErrorCodes.PROVIDER_FAILED, failure);
      }
    }
  }

  /** Stores a provided value; a value the store cannot keep is still handed to the waiting gets. */
  private void keepProvided(String key, ValueProvider.Provided value, byte[] json) {
    try {
      byte[] k = io.ephemeral.protocol.Wtf8.encode(key);
      long now = clock.millis();
      int hash = store.hash(k, 0, k.length);
      if (store.put(
              store.find(k, 0, k.length, hash),
              k,
              0,
              k.length,
              hash,
              json,
              0,
              json.length,
              json.length,
              false,
              false,
              Math.max(1, value.ttl().toMillis()),
              now)
          == MemoryStore.FULL) {
        log.warn("A provided value could not be kept: the store is full", "key", key);
      }
    } catch (Throwable t) {
      log.error("A provided value could not be kept", t, "key", key);
    }
  }

  /** Runs providers on {@code threads} and hands their results back through {@code onLoop}. */
  void providers(
      java.util.concurrent.ExecutorService threads, java.util.function.Consumer<Runnable> onLoop) {
    this.providerThreads = threads;
    this.onLoop = onLoop;
  }

  @Override
  public void granted(Leases.Waiter waiter, int value, long token) {
    Deferred later = (Deferred) waiter.owner;
    // A grant that cannot be answered (out of memory) keeps its slot until its TTL passes, as for
    // any client that goes away.
    later.answer(null, out -> KvReplies.granted(out.write(Reply.OK), value, token));
  }

  @Override
  public void timedOut(Leases.Waiter waiter) {
    ((Deferred) waiter.owner).error(ErrorCodes.LEASE_TIMEOUT, null);
  }

  @Override
  public void release(Request r, Reply reply) {
    boolean released = leases.release(r.workerId, clock.millis());
    KvReplies.released(reply.ok(), released);
    reply.end();
  }
}
