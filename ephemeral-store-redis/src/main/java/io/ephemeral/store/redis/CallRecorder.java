package io.ephemeral.store.redis;

import io.ephemeral.broker.store.CoordinationStore;
import io.ephemeral.broker.store.RemoteStore;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A stand-in store that records the one {@link Invocation} each store method of a {@link
 * RemoteStore.Call} makes instead of running it, so that a connection's calls can be sent to Redis
 * together ({@link RedisStore#inOrder}, {@link RedisLoopConnection}).
 */
final class CallRecorder implements RemoteStore {
  private final RedisStore store;

  /** Made when a call asks for it: most batches are gets, sets and leases. */
  private RedisCoordination coordination;

  /** What the calls made, in order. */
  final List<Invocation<?>> invocations = new ArrayList<>();

  CallRecorder(RedisStore store) {
    this.store = store;
  }

  private <T> T record(Invocation<T> inv) {
    invocations.add(inv);
    return null;
  }

  @Override
  public CoordinationStore coordination() {
    if (coordination == null) {
      coordination =
          new RedisCoordination(
              new RedisCoordination.Runner() {
                @Override
                public <T> T run(Scripts script, byte[][] args, Function<Object, T> decode) {
                  return record(new Invocation<>(script, args, decode));
                }
              },
              store.graceMillis());
    }
    return coordination;
  }

  @Override
  public void open() {
    throw new UnsupportedOperationException();
  }

  @Override
  public String describe() {
    return store.describe();
  }

  @Override
  public Value get(byte[] key, boolean refreshTtl, boolean lru) {
    return record(
        store.nativeGet(refreshTtl, lru)
            ? new Invocation<>(null, new byte[][] {key}, null)
            : store.getCall(key, refreshTtl, lru));
  }

  @Override
  public Stored set(
      byte[] key, byte[] json, boolean compressed, long ttlMillis, int maxItems, boolean lru) {
    return record(store.setCall(key, json, compressed, ttlMillis, maxItems, lru));
  }

  @Override
  public boolean delete(byte[] key) {
    record(store.deleteCall(key));
    return false;
  }

  @Override
  public List<Item> list() {
    return record(store.listCall());
  }

  @Override
  public Counts counts() {
    return record(store.countsCall());
  }

  @Override
  public Lease lease(String key, String workerId, long ttlMillis, int size, String ticket) {
    return record(store.leaseCall(key, workerId, ttlMillis, size, ticket));
  }

  @Override
  public void cancelWait(String workerId, String ticket) {
    record(store.cancelCall(workerId, ticket));
  }

  @Override
  public Released release(String workerId, long token) {
    return record(store.releaseCall(workerId, token));
  }

  @Override
  public long[] sweep(int budget) {
    return record(store.sweepCall(budget));
  }

  @Override
  public void close() {}
}
