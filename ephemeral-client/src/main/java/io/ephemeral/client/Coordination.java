package io.ephemeral.client;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import io.ephemeral.protocol.ErrorCodes;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The coordination requests of a {@link BrokerClient}: setIfAbsent, incr, compute (single-flight),
 * barrier and acquire (rate limiter), and locks over leases.
 */
record Coordination(BrokerClient client, Calls calls, Requests requests, Answers answers) {
  /*
   * Implementation notes.
   *
   * Requests that may wait at the broker (compute, barrier, acquire with a wait) go out on a
   * connection of their own (OwnConnection), never retried. getOrCompute keeps that connection
   * from `compute` to `computed`: the claim is bound to it ("bind":true), so when this process dies
   * the broker sees the connection close and gives the claim to the next waiter at once. The async
   * twins of waiting requests run the blocking call on Shared.WAITS, a pool of daemon threads
   * that grows with the waits in progress (each holds a connection too), never on the client's
   * executor.
   */

  /** How long a claim lasts in a shared store when its broker stops renewing it (it died). */
  static final long CLAIM_TTL_MILLIS = 60_000;

  /** Longest a request may wait at the broker: a day (the broker's limit). */
  static final long MAX_WAIT_MILLIS = 86_400_000;

  /**
   * Made on first use: every client makes a Coordination, and a process that never waits or locks
   * (brokerctl, most tests) should not pay for a thread pool, its process handle and a Random.
   */
  private static final class Shared {
    static final ExecutorService WAITS =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "ephemeral-client-wait");
              t.setDaemon(true);
              return t;
            });

    static final AtomicLong LOCK_IDS = new AtomicLong();
    static final String LOCK_OWNER =
        ProcessHandle.current().pid() + "-" + Long.toHexString(new java.util.Random().nextLong());
  }

  // ---- setIfAbsent, incr ----

  Call setIfAbsent(String key, Object value, Duration ttl) {
    Requests.requireKey(key, "setIfAbsent");
    long ttlMs = Requests.requireTtl(ttl);
    byte[] json = requests.serialize(key, value);
    Payload p = Payload.action("setIfAbsent", json.length + key.length() * 3);
    return calls.start(
        "setIfAbsent",
        Text.quote(key),
        requests.withValue(p, key, json, ttlMs, "setIfAbsent").end());
  }

  static Boolean stored(Reply r) throws IOException {
    JsonNode s = r.member("stored");
    if (!s.isBoolean()) {
      throw new IOException("setIfAbsent reply without a boolean stored");
    }
    return s.booleanValue();
  }

  Call increment(String key, long delta, Duration ttl) {
    Requests.requireKey(key, "increment");
    if (Math.abs(delta) > Requests.MAX_TTL_MILLIS) {
      throw new IllegalArgumentException(
          "delta must be within ±" + Requests.MAX_TTL_MILLIS + ", got " + delta);
    }
    byte[] payload =
        Payload.action("incr")
            .string("key", key)
            .number("delta", delta)
            .number("ttl", Requests.requireTtl(ttl))
            .end();
    return calls.start("incr", Text.quote(key), payload);
  }

  static Long counter(Reply r) throws IOException {
    JsonNode v = r.valueTree();
    if (v == null || !v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new IOException("incr reply without a whole number value");
    }
    return v.longValue();
  }

  // ---- getOrCompute ----

  <T> T getOrCompute(String key, Duration ttl, Duration wait, JavaType type, Callable<T> compute) {
    Requests.requireKey(key, "getOrCompute");
    long ttlMs = Requests.requireTtl(ttl);
    long waitMs = Requests.requireWait(wait);
    java.util.Objects.requireNonNull(compute, "compute");
    String subject = Text.quote(key);
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs);
    try (OwnConnection c = OwnConnection.open(calls.attempts())) {
      while (true) {
        long left = Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        byte[] ask =
            Payload.action("compute")
                .string("key", key)
                .number("ttl", CLAIM_TTL_MILLIS)
                .number("wait", left)
                .bool("bind", true)
                .end();
        Reply r = request(c, "compute", subject, ask, left);
        JsonNode mine = r.member("compute");
        if (!mine.asBoolean(false)) {
          return answers.readValue(key, r, type); // computed by someone (else)
        }
        long token = r.member("token").asLong();
        T value = computeOrGiveUp(c, key, token, compute);
        byte[] json = requests.serialize(key, value);
        Payload done = Payload.action("computed", json.length + key.length() * 3);
        done = requests.withValue(done, key, json, ttlMs, "getOrCompute").number("token", token);
        try {
          request(c, "computed", subject, done.end(), 0);
          return value;
        } catch (BrokerException e) {
          if (!e.code().equals(ErrorCodes.CLAIM_LOST)) {
            throw e;
          }
          // Our claim ran out and another caller computes now: wait for its value instead.
        }
      }
    }
  }

  /** Runs the computation; when it throws, hands the claim on and rethrows its own exception. */
  private <T> T computeOrGiveUp(OwnConnection c, String key, long token, Callable<T> compute) {
    try {
      return compute.call();
    } catch (Exception | Error e) {
      try {
        byte[] failed =
            Payload.action("computeFailed").string("key", key).number("token", token).end();
        request(c, "computeFailed", Text.quote(key), failed, 0);
      } catch (RuntimeException handOver) {
        e.addSuppressed(handOver); // the broker frees the claim when this connection closes
      }
      if (e instanceof RuntimeException re) {
        throw re;
      }
      if (e instanceof Error err) {
        throw err;
      }
      throw new CompletionException(e);
    }
  }

  // ---- barrier, acquire ----

  int awaitBarrier(String name, int parties, Duration timeout) {
    Requests.requireKey(name, "awaitBarrier");
    if (parties < 1 || parties > 10_000) {
      throw new IllegalArgumentException("parties must be from 1 to 10000, got " + parties);
    }
    long waitMs = requireWaitingTime(timeout, "timeout");
    byte[] payload =
        Payload.action("barrier")
            .string("key", name)
            .number("parties", parties)
            .number("wait", waitMs)
            .end();
    return alone(
        "barrier",
        Text.quote(name),
        payload,
        waitMs,
        r -> {
          JsonNode index = r.member("index");
          if (!index.isIntegralNumber() || !index.canConvertToInt()) {
            throw new IOException("barrier reply without an index");
          }
          return index.intValue();
        });
  }

  /**
   * One acquire request: the grant's time, or null when no permit came within {@code waitMs} (zero:
   * do not wait).
   */
  Instant acquire(String name, int permits, long perMs, long waitMs) {
    byte[] payload =
        Payload.action("acquire")
            .string("key", name)
            .number("permits", permits)
            .number("per", perMs)
            .number("wait", waitMs)
            .end();
    String subject = Text.quote(name);
    Reply r;
    if (waitMs == 0) {
      Call call = calls.start("acquire", subject, payload);
      r = calls.sync(call, reply -> reply);
    } else {
      try {
        r = alone("acquire", subject, payload, waitMs, reply -> reply);
      } catch (BrokerException e) {
        if (e.code().equals(ErrorCodes.ACQUIRE_TIMEOUT)) {
          return null;
        }
        throw e;
      }
    }
    if (!r.member("granted").asBoolean(false)) {
      return null;
    }
    return Instant.ofEpochMilli(r.member("at").asLong());
  }

  // ---- locks ----

  Lease lock(String name, Duration ttl, Duration wait) {
    requireLockName(name);
    return client.lease("lock:" + name, lockWorker(), ttl, 1, wait).keepAlive();
  }

  java.util.Optional<Lease> tryLock(String name, Duration ttl) {
    requireLockName(name);
    return client.tryLease("lock:" + name, lockWorker(), ttl, 1).map(Lease::keepAlive);
  }

  private static void requireLockName(String name) {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("A lock needs a name");
    }
  }

  /** A worker id no other lock holder anywhere uses: the broker allows one lease per worker. */
  private static String lockWorker() {
    return "lock-" + Shared.LOCK_OWNER + "-" + Shared.LOCK_IDS.incrementAndGet();
  }

  // ---- plumbing ----

  /** Runs a blocking wait off the caller's thread, on threads of their own. */
  static <T> CompletableFuture<T> waiting(java.util.function.Supplier<T> work) {
    return CompletableFuture.supplyAsync(work, Shared.WAITS);
  }

  static Executor waits() {
    return Shared.WAITS;
  }

  /** A wait of at least 1 ms and at most a day. */
  static long requireWaitingTime(Duration wait, String what) {
    long ms = Requests.requireWait(wait);
    if (ms < 1) {
      throw new IllegalArgumentException(what + " must be at least 1 ms, got " + wait);
    }
    return ms;
  }

  private <T> T alone(
      String action, String subject, byte[] payload, long waitMs, Answers.Decoder<T> decoder) {
    return calls.alone(
        action,
        subject,
        payload,
        calls.timeoutNanos() + TimeUnit.MILLISECONDS.toNanos(waitMs),
        decoder);
  }

  private Reply request(
      OwnConnection c, String action, String subject, byte[] payload, long waitMs) {
    return calls.request(
        c,
        action,
        subject,
        payload,
        calls.timeoutNanos() + TimeUnit.MILLISECONDS.toNanos(waitMs),
        r -> r);
  }
}
