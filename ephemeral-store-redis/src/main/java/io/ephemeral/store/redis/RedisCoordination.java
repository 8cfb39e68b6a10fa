package io.ephemeral.store.redis;

import static io.ephemeral.store.redis.ScriptArgs.EMPTY;
import static io.ephemeral.store.redis.ScriptArgs.flag;
import static io.ephemeral.store.redis.ScriptArgs.isOne;
import static io.ephemeral.store.redis.ScriptArgs.number;
import static io.ephemeral.store.redis.ScriptArgs.utf8;

import io.ephemeral.broker.store.CoordinationStore;
import io.ephemeral.broker.store.RemoteStore;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Function;

/**
 * The coordination primitives of a {@link RedisStore}: each call is one Lua script of its own, run
 * at once or recorded into the pipeline of a connection's calls ({@link RedisStore#inOrder})
 * ({@code setnx}, {@code incr}, {@code compute}, {@code computed}, {@code claim}, {@code barrier},
 * {@code acquire}), atomic in Redis, under the store's hash tag like its other scripts, timed by
 * the Redis clock. The key layout is written in {@code prelude.lua}.
 */
final class RedisCoordination implements CoordinationStore {

  /** Runs one script and decodes its reply, or records it for a pipeline (then returns null). */
  @FunctionalInterface
  interface Runner {
    <T> T run(Scripts script, byte[][] args, Function<Object, T> decode);
  }

  private final Runner store;
  private final long graceMillis;

  RedisCoordination(Runner store, long graceMillis) {
    this.store = store;
    this.graceMillis = graceMillis;
  }

  private static long code(Object raw) {
    return (Long) ((List<?>) raw).get(0);
  }

  private static long second(Object raw) {
    return (Long) ((List<?>) raw).get(1);
  }

  @Override
  public Put setIfAbsent(
      byte[] key, byte[] json, boolean compressed, long ttlMillis, int maxItems, boolean lru) {
    return store.run(
        Scripts.SET_IF_ABSENT,
        valueArgs(key, json, compressed, ttlMillis, maxItems, lru),
        raw ->
            switch ((int) code(raw)) {
              case 0 -> Put.STORED;
              case 1 -> Put.PRESENT;
              default -> Put.FULL;
            });
  }

  @Override
  public Counter increment(byte[] key, long delta, long ttlMillis, int maxItems, boolean lru) {
    return store.run(
        Scripts.INCR,
        new byte[][] {
          key, number(delta), number(ttlMillis), number(maxItems), flag(lru), number(graceMillis)
        },
        raw ->
            switch ((int) code(raw)) {
              case 0 -> new Counter(CounterOutcome.OK, second(raw));
              case 1 -> new Counter(CounterOutcome.NOT_A_COUNTER, 0);
              case 2 -> new Counter(CounterOutcome.OUT_OF_RANGE, 0);
              default -> new Counter(CounterOutcome.FULL, 0);
            });
  }

  @Override
  public Compute compute(byte[] key, long claimTtlMillis, String ticket, long holdMillis) {
    return store.run(
        Scripts.COMPUTE,
        new byte[][] {
          ascii("compute"),
          key,
          number(claimTtlMillis),
          ticket == null ? EMPTY : utf8(ticket),
          number(holdMillis)
        },
        raw -> {
          List<?> r = (List<?>) raw;
          return switch ((int) code(raw)) {
            case 0 ->
                new Compute(
                    ComputeOutcome.VALUE,
                    new RemoteStore.Value(
                        RemoteStore.Found.VALUE,
                        r.size() > 2 ? (byte[]) r.get(2) : null,
                        isOne(r.get(1))),
                    0,
                    0);
            case 1 -> new Compute(ComputeOutcome.CLAIMED, null, second(raw), 0);
            default -> new Compute(ComputeOutcome.WAIT, null, 0, (int) second(raw));
          };
        });
  }

  @Override
  public void cancelCompute(byte[] key, String ticket) {
    store.run(
        Scripts.COMPUTE,
        new byte[][] {ascii("cancel"), key, number(0), utf8(ticket), number(0)},
        raw -> null);
  }

  @Override
  public Computed computed(
      byte[] key,
      long token,
      byte[] json,
      boolean compressed,
      long ttlMillis,
      int maxItems,
      boolean lru) {
    byte[][] value = valueArgs(key, json, compressed, ttlMillis, maxItems, lru);
    byte[][] args = new byte[value.length + 1][];
    args[0] = key;
    args[1] = number(token);
    System.arraycopy(value, 1, args, 2, value.length - 1);
    return store.run(
        Scripts.COMPUTED,
        args,
        raw ->
            switch ((int) code(raw)) {
              case 0 -> Computed.STORED;
              case 1 -> Computed.ALREADY_STORED;
              case 2 -> Computed.CLAIM_LOST;
              default -> Computed.FULL;
            });
  }

  @Override
  public boolean releaseClaim(byte[] key, long token) {
    return claim(key, token, 0);
  }

  @Override
  public boolean renewClaim(byte[] key, long token, long ttlMillis) {
    return claim(key, token, ttlMillis);
  }

  private boolean claim(byte[] key, long token, long ttlMillis) {
    Boolean held =
        store.run(
            Scripts.CLAIM,
            new byte[][] {key, number(token), number(ttlMillis)},
            raw -> (Long) raw == 1);
    return held != null && held; // null: recorded for a pipeline, whose reply decodes it
  }

  @Override
  public Arrival barrierArrive(String name, int parties, String ticket, long holdMillis) {
    return barrier("arrive", name, ticket, parties, holdMillis, "");
  }

  @Override
  public Arrival barrierPoll(String name, String ticket, long holdMillis) {
    return barrier("poll", name, ticket, 0, holdMillis, "");
  }

  @Override
  public void barrierBreak(String name, String ticket, String why) {
    barrier("break", name, ticket, 0, 1000, why);
  }

  private Arrival barrier(
      String op, String name, String ticket, int parties, long holdMillis, String why) {
    return store.run(
        Scripts.BARRIER,
        new byte[][] {
          ascii(op), utf8(name), utf8(ticket), number(parties), number(holdMillis), utf8(why)
        },
        raw -> {
          List<?> r = (List<?>) raw;
          BarrierOutcome outcome =
              switch ((int) code(raw)) {
                case 0 -> BarrierOutcome.RELEASED;
                case 1 -> BarrierOutcome.WAITING;
                case 2 -> BarrierOutcome.MISMATCH;
                default -> BarrierOutcome.BROKEN;
              };
          return new Arrival(
              outcome,
              ((Long) r.get(1)).intValue(),
              ((Long) r.get(2)).intValue(),
              ((Long) r.get(3)).intValue(),
              new String((byte[]) r.get(4), StandardCharsets.UTF_8));
        });
  }

  @Override
  public Grant acquire(String name, int permits, long perMillis, String ticket, long holdMillis) {
    return store.run(
        Scripts.ACQUIRE,
        new byte[][] {
          ascii("acquire"),
          utf8(name),
          ticket == null ? EMPTY : utf8(ticket),
          number(permits),
          number(perMillis),
          number(holdMillis)
        },
        raw -> {
          List<?> r = (List<?>) raw;
          return switch ((int) code(raw)) {
            case 0 -> new Grant(GrantOutcome.GRANTED, second(raw), 0, permits, perMillis);
            case 1 -> new Grant(GrantOutcome.REFUSED, 0, second(raw), permits, perMillis);
            case 2 -> new Grant(GrantOutcome.QUEUED, 0, 0, permits, perMillis);
            default ->
                new Grant(
                    GrantOutcome.MISMATCH, 0, 0, ((Long) r.get(1)).intValue(), (Long) r.get(2));
          };
        });
  }

  @Override
  public void cancelAcquire(String name, String ticket) {
    store.run(
        Scripts.ACQUIRE,
        new byte[][] {ascii("cancel"), utf8(name), utf8(ticket), number(0), number(1), number(0)},
        raw -> null);
  }

  private byte[][] valueArgs(
      byte[] key, byte[] json, boolean compressed, long ttlMillis, int maxItems, boolean lru) {
    return ScriptArgs.valueArgs(key, json, compressed, ttlMillis, maxItems, lru, graceMillis);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
