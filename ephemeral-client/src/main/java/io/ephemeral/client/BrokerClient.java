package io.ephemeral.client;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Client for the ephemeral broker: key/value with TTL and leases over the broker's Unix-domain
 * socket, wire compatible with the Node {@code ephemeral-broker} client.
 *
 * <pre>{@code
 * try (BrokerClient client = BrokerClient.fromEnvironment()) {   // reads EPHEMERAL_PIPE
 *   client.set("token", new Token("abc"), Duration.ofMinutes(5));
 *   Token t = client.get("token", Token.class);
 *   int slot = client.lease("accounts", workerId, Duration.ofMinutes(1));
 *   try { ... } finally { client.release(workerId); }
 * }
 * }</pre>
 *
 * <p><b>Threading.</b> One instance is meant to be shared: it is safe for any number of threads and
 * keeps one persistent connection on which many requests are in flight at once. Every method has an
 * {@code ...Async} twin returning a {@link CompletableFuture}, completed on the builder's {@code
 * executor} (by default a small shared pool of daemon threads), never on the client's I/O threads.
 *
 * <p><b>Errors.</b> Invalid arguments ({@link IllegalArgumentException}) and use after {@link
 * #close()} ({@link IllegalStateException}) are thrown directly, by the async methods too, before
 * anything is sent. A broker error answer is a {@link BrokerException} (with subclasses for the
 * common codes); failing to get an answer is a {@link BrokerConnectionException}; a stored value
 * that cannot be decoded is a {@link ValueDecodingException}. The async methods complete
 * exceptionally with these.
 *
 * <p><b>Timeout and retries.</b> The timeout (default 5 s) bounds the whole call. Connection
 * failures (socket missing, refused, connection broken) are retried after 50, 100, 200, 400, then
 * every 800 ms until the timeout is used up; broker error answers are never retried. A request
 * whose connection broke after it was written is retried too, so, as with the Node client, it can
 * reach the broker twice. After a broker restart on the same path the next call reconnects.
 *
 * <p><b>Values.</b> Values are serialised with Jackson (a default {@link ObjectMapper} unless one
 * is given). JSON text of at least {@code compressionThreshold} characters (1024 by default) is
 * sent gzip-compressed and base64-encoded, exactly like the Node client, and decompressed
 * transparently on read.
 */
public final class BrokerClient implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BrokerClient.class);

  /*
   * Implementation notes.
   *
   * This class is the API: each method names its request and says how its answer is read. The
   * work is delegated, one concern per class:
   *  - Requests (with Payload): argument checks and the request's payload, compression included;
   *  - Calls: sign, start and await a call (Signer: the line, signed with the secret);
   *  - Attempts: the shared connection, retries with backoff and every call's deadline;
   *  - OwnConnection: requests that may wait long at the broker (waiting leases) on a connection
   *    of their own, so they hold back no other call;
   *  - Answers and Reports: answer lines to values and exceptions;
   *  - Coordination (with RateLimiter): setIfAbsent, incr, compute, barrier, acquire and locks;
   *  - BrokerScope and ScopedBroker: the broker of a scope, found or started (Builder.scope).
   *
   * Responses are decoded (parsed, error-mapped, values mapped by Jackson) on the caller's
   * thread for the blocking methods and on `executor` for the async ones (see AsyncExecutor for
   * why not the common pool).
   */

  private static final AtomicInteger CLIENT_IDS = new AtomicInteger();

  private static final Duration DEFAULT_COMPUTE_WAIT = Duration.ofMinutes(5);

  private final Signer signer;
  private final Attempts attempts;
  private final Answers answers;
  private final Calls calls;
  private final Duration timeout;
  private final Requests requests;
  private final ClientMapper mapper;
  private final Coordination coordination;

  /** The scope's broker this client keeps up, or null. */
  private final ScopedBroker scoped;

  private BrokerClient(ClientSettings b, ScopedBroker scoped) {
    this.scoped = scoped;
    this.signer = new Signer(b.secret, b.replayProtection);
    this.timeout = b.timeout;
    this.mapper = b.mapper;
    this.answers = new Answers(mapper, b.maxDecompressedBytes, signer.signs());
    this.attempts =
        new Attempts(
            b.pipe,
            new Failures(b.pipe, b.pipeLabel),
            "ephemeral-client-" + CLIENT_IDS.incrementAndGet(),
            b.timeout,
            b.debug);
    this.calls = new Calls(attempts, signer, answers, b.executor, b.timeout.toNanos());
    this.requests =
        new Requests(
            mapper,
            b.allowNoTtl,
            b.compression,
            b.compressionThreshold,
            (method, key, before, after) ->
                attempts.log(
                    "{}: {} {} compressed {} -> {} chars",
                    attempts.name(),
                    method,
                    Text.quote(key),
                    before,
                    after));
    this.coordination = new Coordination(this, calls, requests, answers);
  }

  /** A builder; options not set on it fall back to the environment variables, then defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A client configured from the environment: {@code EPHEMERAL_PIPE} (required), {@code
   * CLIENT_SECRET} then {@code EPHEMERAL_SECRET}, {@code CLIENT_TIMEOUT} (ms), {@code
   * CLIENT_DEBUG}, {@code CLIENT_ALLOW_NO_TTL}, {@code CLIENT_COMPRESSION}, {@code
   * CLIENT_COMPRESSION_THRESHOLD}. Booleans are true for {@code "true"} or {@code "1"}.
   *
   * @throws IllegalStateException if {@code EPHEMERAL_PIPE} is not set
   * @throws IllegalArgumentException if a numeric variable does not parse
   */
  public static BrokerClient fromEnvironment() {
    return builder().build();
  }

  /**
   * A client of this build's broker with nothing configured: {@code EPHEMERAL_PIPE} when set, else
   * the broker of {@link BrokerScope#ofThisBuild()} (named by {@code EPHEMERAL_SCOPE} or {@code
   * -Dephemeral.scope}, else shared by every JVM of the build), found or started. Logs which broker
   * it uses.
   */
  public static BrokerClient forBuild() {
    Builder b = builder();
    return System.getenv("EPHEMERAL_PIPE") == null || System.getenv("EPHEMERAL_PIPE").isEmpty()
        ? b.scope(BrokerScope.ofThisBuild()).build()
        : b.build();
  }

  /** The socket path this client connects to. */
  public Path pipe() {
    return attempts.pipe();
  }

  // ---------------------------------------------------------------------------------------
  // get

  /**
   * Reads a value and maps it to {@code type} with the client's {@link ObjectMapper}.
   *
   * @return the value, or null if the stored JSON is {@code null}
   * @throws NotFoundException if the key does not exist
   * @throws ExpiredException if the key's TTL has passed
   * @throws ValueDecodingException if the value cannot be decompressed or mapped to the type
   * @throws BrokerException for any other broker error
   * @throws BrokerConnectionException if no answer came within the timeout
   * @throws IllegalArgumentException if {@code key} is null
   */
  public <T> T get(String key, Class<T> type) {
    JavaType t = mapper.mapper().constructType(Objects.requireNonNull(type, "type"));
    return calls.sync(getCall(key), r -> answers.readValue(key, r, t));
  }

  /**
   * Like {@link #get(String, Class)} for generic types, e.g. {@code new TypeReference<List<Foo>>()
   * {}}.
   */
  public <T> T get(String key, TypeReference<T> type) {
    JavaType t = mapper.mapper().constructType(Objects.requireNonNull(type, "type"));
    return calls.sync(getCall(key), r -> answers.readValue(key, r, t));
  }

  /** Asynchronous {@link #get(String, Class)}. */
  public <T> CompletableFuture<T> getAsync(String key, Class<T> type) {
    JavaType t = mapper.mapper().constructType(Objects.requireNonNull(type, "type"));
    return calls.async(getCall(key), r -> answers.readValue(key, r, t));
  }

  /** Asynchronous {@link #get(String, TypeReference)}. */
  public <T> CompletableFuture<T> getAsync(String key, TypeReference<T> type) {
    JavaType t = mapper.mapper().constructType(Objects.requireNonNull(type, "type"));
    return calls.async(getCall(key), r -> answers.readValue(key, r, t));
  }

  /**
   * Reads a value as JSON text, decompressed if it was stored compressed.
   *
   * @return the JSON text, or null if the broker holds no value for the key
   * @throws NotFoundException if the key does not exist
   * @throws ExpiredException if the key's TTL has passed
   * @throws ValueDecodingException if compressed data is corrupt or too large
   * @throws BrokerException for any other broker error
   * @throws BrokerConnectionException if no answer came within the timeout
   */
  public String getRaw(String key) {
    return calls.sync(getCall(key), r -> answers.readRaw(key, r));
  }

  /** Asynchronous {@link #getRaw(String)}. */
  public CompletableFuture<String> getRawAsync(String key) {
    return calls.async(getCall(key), r -> answers.readRaw(key, r));
  }

  // ---------------------------------------------------------------------------------------
  // set

  /**
   * Stores a value, serialised to JSON with the client's {@link ObjectMapper}, for {@code ttl}.
   *
   * @param ttl time to live, at least 1 ms (truncated to whole milliseconds); null is allowed only
   *     when the client was built with {@code allowNoTtl}, and leaves the TTL to the broker
   * @throws IllegalArgumentException if the key or TTL is invalid, or the value cannot be
   *     serialised (the message names the key)
   * @throws TooLargeException if the value exceeds the broker's size limit
   * @throws BrokerException for other broker errors, e.g. {@code max_items}, {@code ttl_required}
   * @throws BrokerConnectionException if no answer came within the timeout
   */
  public void set(String key, Object value, Duration ttl) {
    calls.sync(setCall(key, requests.serialize(key, value), ttl, "set"), r -> null);
  }

  /**
   * Stores a value without a TTL: the broker applies its default TTL, or rejects the request with
   * {@code ttl_required} if it requires one. Allowed only when the client was built with {@code
   * allowNoTtl}.
   *
   * @throws IllegalArgumentException without {@code allowNoTtl}
   */
  public void set(String key, Object value) {
    set(key, value, null);
  }

  /** Asynchronous {@link #set(String, Object, Duration)}. */
  public CompletableFuture<Void> setAsync(String key, Object value, Duration ttl) {
    return calls.async(setCall(key, requests.serialize(key, value), ttl, "set"), r -> null);
  }

  /** Asynchronous {@link #set(String, Object)}. */
  public CompletableFuture<Void> setAsync(String key, Object value) {
    return setAsync(key, value, null);
  }

  /**
   * Stores a value given as JSON text.
   *
   * @param json exactly one JSON value
   * @throws IllegalArgumentException if {@code json} is not one valid JSON value, or the key or TTL
   *     is invalid
   * @see #set(String, Object, Duration)
   */
  public void setRaw(String key, String json, Duration ttl) {
    calls.sync(setCall(key, Requests.rawJson(key, json), ttl, "setRaw"), r -> null);
  }

  /** Asynchronous {@link #setRaw(String, String, Duration)}. */
  public CompletableFuture<Void> setRawAsync(String key, String json, Duration ttl) {
    return calls.async(setCall(key, Requests.rawJson(key, json), ttl, "setRaw"), r -> null);
  }

  // ---------------------------------------------------------------------------------------
  // del, list, ping, stats, health, metrics

  /**
   * Deletes a key. Deleting a missing key is not an error.
   *
   * @return true once the broker acknowledged (a Node-compatible broker does not say whether the
   *     key existed; if it does, with a {@code deleted} member, that answer is returned)
   * @throws BrokerConnectionException if no answer came within the timeout
   */
  public boolean del(String key) {
    return calls.sync(delCall(key), Reports::deleted);
  }

  /** Asynchronous {@link #del(String)}. */
  public CompletableFuture<Boolean> delAsync(String key) {
    return calls.async(delCall(key), Reports::deleted);
  }

  /**
   * Lists the live keys.
   *
   * @return key to expiry and whether a value is stored, in the broker's order; unmodifiable
   * @throws BrokerConnectionException if no answer came within the timeout
   */
  public Map<String, KeyInfo> list() {
    return calls.sync(simpleCall("list"), Reports::keys);
  }

  /** Asynchronous {@link #list()}. */
  public CompletableFuture<Map<String, KeyInfo>> listAsync() {
    return calls.async(simpleCall("list"), Reports::keys);
  }

  /**
   * Pings the broker.
   *
   * @return the broker's clock, epoch milliseconds (not a latency)
   * @throws BrokerConnectionException if no answer came within the timeout
   */
  public long ping() {
    return calls.sync(simpleCall("ping"), Reports::pong);
  }

  /** Asynchronous {@link #ping()}. */
  public CompletableFuture<Long> pingAsync() {
    return calls.async(simpleCall("ping"), Reports::pong);
  }

  /**
   * The broker's statistics.
   *
   * @throws BrokerConnectionException if no answer came within the timeout
   */
  public BrokerStats stats() {
    return calls.sync(simpleCall("stats"), Reports::stats);
  }

  /** Asynchronous {@link #stats()}. */
  public CompletableFuture<BrokerStats> statsAsync() {
    return calls.async(simpleCall("stats"), Reports::stats);
  }

  /**
   * The services registered on the broker's gateway and the call graph it observed.
   *
   * @throws BrokerConnectionException if no answer came within the timeout
   */
  public ServicesReport services() {
    return calls.sync(simpleCall("services"), Reports::services);
  }

  /** {@link #services()} without blocking. */
  public CompletableFuture<ServicesReport> servicesAsync() {
    return calls.async(simpleCall("services"), Reports::services);
  }

  /**
   * The broker's health report.
   *
   * @throws BrokerConnectionException if no answer came within the timeout
   */
  public BrokerHealth health() {
    return calls.sync(simpleCall("health"), Reports::health);
  }

  /** Asynchronous {@link #health()}. */
  public CompletableFuture<BrokerHealth> healthAsync() {
    return calls.async(simpleCall("health"), Reports::health);
  }

  /**
   * The broker's metrics in the Prometheus text exposition format.
   *
   * @throws BrokerConnectionException if no answer came within the timeout
   */
  public String metrics() {
    return calls.sync(simpleCall("metrics"), r -> r.member("metrics").asText());
  }

  /**
   * The broker's metrics as a JSON object text: requests and errors per action, latency percentiles
   * in ms, connections, compression, expirations and gateway calls per method.
   */
  public String metricsJson() {
    return calls.sync(
        calls.start("metrics", "json", Payload.action("metrics").string("format", "json").end()),
        r -> r.member("metrics").toString());
  }

  /** Asynchronous {@link #metrics()}. */
  public CompletableFuture<String> metricsAsync() {
    return calls.async(simpleCall("metrics"), r -> r.member("metrics").asText());
  }

  // ---------------------------------------------------------------------------------------
  // lease, release

  /**
   * Leases the lowest free number (0, 1, 2, ...) under {@code key} for {@code workerId}. A worker
   * that already holds a lease on this key renews it and gets the same number.
   *
   * @param ttl lease duration, at least 1 ms
   * @return the leased number
   * @throws IllegalArgumentException if the key or worker id is null or empty, or the TTL is
   *     invalid
   * @throws BrokerException {@code worker_already_has_lease} if the worker holds a lease on a
   *     different key
   * @throws BrokerConnectionException if no answer came within the timeout
   */
  public int lease(String key, String workerId, Duration ttl) {
    return calls.sync(leaseCall(key, workerId, Requests.requireTtl(ttl)), Reports::leaseValue);
  }

  /** Like {@link #lease(String, String, Duration)} with the broker's default lease TTL. */
  public int lease(String key, String workerId) {
    return calls.sync(leaseCall(key, workerId, -1), Reports::leaseValue);
  }

  /** Asynchronous {@link #lease(String, String, Duration)}. */
  public CompletableFuture<Integer> leaseAsync(String key, String workerId, Duration ttl) {
    return calls.async(leaseCall(key, workerId, Requests.requireTtl(ttl)), Reports::leaseValue);
  }

  /** Asynchronous {@link #lease(String, String)}. */
  public CompletableFuture<Integer> leaseAsync(String key, String workerId) {
    return calls.async(leaseCall(key, workerId, -1), Reports::leaseValue);
  }

  /**
   * Leases a slot of a pool that has at most {@code poolSize} holders, waiting up to {@code wait}
   * for a slot to be free. Waiting workers are served first come, first served. The returned handle
   * carries the slot and a fencing token that increases with every grant; closing it releases the
   * lease (and stops {@link Lease#keepAlive() automatic renewal}).
   *
   * @param poolSize most holders of the pool, 1 to 1,000,000; the first request fixes it
   * @param wait how long to wait for a slot (zero: do not wait)
   * @throws BrokerException {@code lease_timeout} when no slot became free in time, {@code
   *     pool_exhausted} when the pool is full and {@code wait} is zero, {@code pool_size_mismatch}
   *     when the pool already has another size
   */
  public Lease lease(String key, String workerId, Duration ttl, int poolSize, Duration wait) {
    long ttlMs = Requests.requireTtl(ttl);
    long waitMs = Requests.requireWait(wait);
    byte[] payload = Requests.poolLease(key, workerId, ttlMs, poolSize, waitMs);
    String subject = Text.quote(key) + " for worker " + Text.quote(workerId);
    if (waitMs == 0) {
      return calls.sync(
          calls.start("lease", subject, payload), r -> toLease(r, key, workerId, ttl, poolSize));
    }
    // The broker answers a connection's requests in order, so a request that waits for a slot
    // holds back everything behind it: it gets a connection of its own.
    return calls.alone(
        "lease",
        subject,
        payload,
        calls.timeoutNanos() + TimeUnit.MILLISECONDS.toNanos(waitMs),
        r -> toLease(r, key, workerId, ttl, poolSize));
  }

  /**
   * Leases a slot of a pool of at most {@code poolSize} holders if one is free now.
   *
   * @return the lease, or empty when all slots are held
   */
  public Optional<Lease> tryLease(String key, String workerId, Duration ttl, int poolSize) {
    try {
      return Optional.of(lease(key, workerId, ttl, poolSize, Duration.ZERO));
    } catch (BrokerException e) {
      if (e.code().equals("pool_exhausted")) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /** Renews a pool lease (same slot, same token); used by {@link Lease}. */
  Lease renew(Lease lease) {
    return lease(lease.key(), lease.workerId(), lease.ttl(), lease.poolSize(), Duration.ZERO);
  }

  /** Schedules {@code task} on the client's timer thread every {@code period}. */
  java.util.concurrent.ScheduledFuture<?> every(Duration period, Runnable task) {
    return attempts.every(period, task);
  }

  private Lease toLease(Reply r, String key, String workerId, Duration ttl, int poolSize)
      throws IOException {
    int slot = Reports.leaseValue(r);
    JsonNode token = r.member("token");
    return new Lease(
        this, key, workerId, ttl, poolSize, slot, token.isIntegralNumber() ? token.asLong() : -1);
  }

  /**
   * Releases the lease held by {@code workerId}.
   *
   * @return whether the worker held a lease
   * @throws IllegalArgumentException if the worker id is null or empty
   * @throws BrokerConnectionException if no answer came within the timeout
   */
  public boolean release(String workerId) {
    return calls.sync(releaseCall(workerId), r -> r.member("released").asBoolean());
  }

  /** Asynchronous {@link #release(String)}. */
  public CompletableFuture<Boolean> releaseAsync(String workerId) {
    return calls.async(releaseCall(workerId), r -> r.member("released").asBoolean());
  }

  // ---------------------------------------------------------------------------------------
  // coordination (actions of this broker beyond the Node protocol)

  /**
   * Stores a value only if the key has no live value: of all concurrent callers, on any process,
   * exactly one stores.
   *
   * @return whether this call stored it
   * @throws IllegalArgumentException if the key or TTL is invalid or the value cannot be serialised
   * @throws BrokerException as {@link #set(String, Object, Duration)} does
   */
  public boolean setIfAbsent(String key, Object value, Duration ttl) {
    return calls.sync(coordination.setIfAbsent(key, value, ttl), Coordination::stored);
  }

  /** Asynchronous {@link #setIfAbsent(String, Object, Duration)}. */
  public CompletableFuture<Boolean> setIfAbsentAsync(String key, Object value, Duration ttl) {
    return calls.async(coordination.setIfAbsent(key, value, ttl), Coordination::stored);
  }

  /**
   * Adds {@code delta} to the counter under {@code key} (a missing key counts as 0) and keeps it
   * for {@code ttl} from now. The counter is a plain value: {@code get(key, Long.class)} reads it.
   *
   * @return the counter after this call's addition; concurrent callers each see another number
   * @throws BrokerException {@code not_a_counter} when the key holds something else than a whole
   *     number, {@code out_of_range} when the result would leave ±(2^53 - 1)
   */
  public long increment(String key, long delta, Duration ttl) {
    return calls.sync(coordination.increment(key, delta, ttl), Coordination::counter);
  }

  /** Asynchronous {@link #increment(String, long, Duration)}. */
  public CompletableFuture<Long> incrementAsync(String key, long delta, Duration ttl) {
    return calls.async(coordination.increment(key, delta, ttl), Coordination::counter);
  }

  /**
   * Like {@link #getOrCompute(String, Duration, Duration, Class, Callable)}, waiting up to five
   * minutes while another caller computes.
   */
  public <T> T getOrCompute(String key, Duration ttl, Class<T> type, Callable<T> compute) {
    return getOrCompute(key, ttl, DEFAULT_COMPUTE_WAIT, type, compute);
  }

  /**
   * Returns the value under {@code key}; if there is none, exactly one caller among all processes
   * on the broker computes it and stores it for {@code ttl}, while the others wait for it and
   * return it. If the computing process dies, or its {@code compute} throws, a waiting caller
   * computes instead; the caller whose {@code compute} threw gets its own exception (a checked one
   * wrapped in a {@link java.util.concurrent.CompletionException}).
   *
   * @param wait how long to wait while another caller computes
   * @throws BrokerException {@code compute_timeout} when another caller computed longer than {@code
   *     wait}
   * @throws ValueDecodingException if the stored value cannot be read as {@code type}
   */
  public <T> T getOrCompute(
      String key, Duration ttl, Duration wait, Class<T> type, Callable<T> compute) {
    JavaType t = mapper.mapper().constructType(Objects.requireNonNull(type, "type"));
    return coordination.getOrCompute(key, ttl, wait, t, compute);
  }

  /** {@link #getOrCompute(String, Duration, Class, Callable)} without blocking the caller. */
  public <T> CompletableFuture<T> getOrComputeAsync(
      String key, Duration ttl, Class<T> type, Callable<T> compute) {
    JavaType t = mapper.mapper().constructType(Objects.requireNonNull(type, "type"));
    attempts.requireOpen();
    return Coordination.waiting(
        () -> coordination.getOrCompute(key, ttl, DEFAULT_COMPUTE_WAIT, t, compute));
  }

  /**
   * Waits until {@code parties} callers, in any processes, have arrived at the barrier {@code
   * name}, then releases them all together. The barrier can be used again once released.
   *
   * @return this caller's arrival index, 0 for the first to arrive
   * @throws BrokerException {@code barrier_timeout} when not all parties arrived within {@code
   *     timeout}; {@code barrier_broken} when another party timed out or went away (its process
   *     died) while this one waited; {@code barrier_parties_mismatch} when the parties waiting
   *     expect another number
   */
  public int awaitBarrier(String name, int parties, Duration timeout) {
    return coordination.awaitBarrier(name, parties, timeout);
  }

  /** {@link #awaitBarrier(String, int, Duration)} without blocking the caller. */
  public CompletableFuture<Integer> awaitBarrierAsync(String name, int parties, Duration timeout) {
    attempts.requireOpen();
    return Coordination.waiting(() -> coordination.awaitBarrier(name, parties, timeout));
  }

  /**
   * A rate limiter of at most {@code permits} grants in any window of {@code per} across all
   * processes on the broker (see {@link RateLimiter}). Nothing is sent until it is used.
   *
   * @throws IllegalArgumentException if permits is not 1 to 10,000 or per not 1 ms to a day
   */
  public RateLimiter rateLimiter(String name, int permits, Duration per) {
    return new RateLimiter(coordination, name, permits, per);
  }

  /**
   * Takes the lock {@code name} across all processes on the broker, waiting up to {@code wait}: a
   * lease of a pool of one. The lock is renewed every third of {@code ttl} until released (close
   * the returned lease), so it is lost only when this process stops renewing it; its {@link
   * Lease#token() fencing token} grows with every grant.
   *
   * @throws BrokerException {@code lease_timeout} when the lock was not free within {@code wait}
   */
  public Lease lock(String name, Duration ttl, Duration wait) {
    return coordination.lock(name, ttl, wait);
  }

  /** {@link #lock(String, Duration, Duration)} without blocking the caller. */
  public CompletableFuture<Lease> lockAsync(String name, Duration ttl, Duration wait) {
    attempts.requireOpen();
    return Coordination.waiting(() -> coordination.lock(name, ttl, wait));
  }

  /** Takes the lock {@code name} if it is free now (see {@link #lock}). */
  public Optional<Lease> tryLock(String name, Duration ttl) {
    return coordination.tryLock(name, ttl);
  }

  /**
   * Closes the connection and fails every call still waiting with a {@link
   * BrokerConnectionException} (code {@code ECLOSED}). Idempotent.
   */
  @Override
  public void close() {
    if (attempts.close() && scoped != null) {
      scoped.close();
    }
  }

  /** Prefix of the names of this client's threads (tests). */
  String threadNamePrefix() {
    return attempts.name();
  }

  /** Connect attempts so far (tests). */
  int connectAttempts() {
    return attempts.connectAttempts();
  }

  @Override
  public String toString() {
    return "BrokerClient["
        + attempts.failures().pipeLabel()
        + ", timeout="
        + timeout.toMillis()
        + "ms"
        + (signer.signs() ? ", signed" : "")
        + "]";
  }

  // ---------------------------------------------------------------------------------------
  // requests

  private Call getCall(String key) {
    return calls.start("get", Text.quote(key), Requests.keyed("get", key));
  }

  private Call delCall(String key) {
    return calls.start("del", Text.quote(key), Requests.keyed("del", key));
  }

  private Call simpleCall(String action) {
    return calls.start(action, "", Payload.action(action).end());
  }

  private Call setCall(String key, byte[] json, Duration ttl, String method) {
    return calls.start("set", Text.quote(key), requests.set(key, json, ttl, method));
  }

  private Call leaseCall(String key, String workerId, long ttlMillis) {
    return calls.start(
        "lease",
        Text.quote(key) + " for worker " + Text.quote(workerId),
        Requests.lease(key, workerId, ttlMillis));
  }

  private Call releaseCall(String workerId) {
    return calls.start("release", "worker " + Text.quote(workerId), Requests.release(workerId));
  }

  // ---------------------------------------------------------------------------------------

  /**
   * Options for a {@link BrokerClient}. Every option left unset falls back to its environment
   * variable (see {@link BrokerClient#fromEnvironment()}), then to its default; options set here
   * always win.
   */
  public static final class Builder {
    // read by ClientSettings.resolve
    static final int DEFAULT_MAX_DECOMPRESSED = 64 * 1024 * 1024;

    Map<String, String> environment = System.getenv();
    Path pipe;
    BrokerScope scope;
    String secret;
    boolean secretSet;
    Duration timeout;
    Boolean allowNoTtlOption;
    Boolean compressionOption;
    Integer thresholdOption;
    Boolean debugOption;
    boolean replayProtection;
    int maxDecompressedBytes = DEFAULT_MAX_DECOMPRESSED;
    ObjectMapper objectMapper;
    Executor executor;

    private Builder() {}

    /** The broker's socket path. Default: {@code EPHEMERAL_PIPE}. */
    public Builder pipe(Path pipe) {
      this.pipe = Objects.requireNonNull(pipe, "pipe");
      this.scope = null;
      return this;
    }

    /**
     * Uses the broker of {@code scope} instead of a socket path: finds it, or starts it when none
     * runs (this needs {@code ephemeral-broker} on the class path). The client keeps it up until
     * the client is closed. Use {@link BrokerScope#ofThisBuild()} for the build's scope, {@link
     * BrokerScope#named} for one of your own.
     */
    public Builder scope(BrokerScope scope) {
      this.scope = Objects.requireNonNull(scope, "scope");
      this.pipe = null;
      return this;
    }

    /**
     * The HMAC secret shared with the broker; null or empty sends unsigned requests. Default:
     * {@code CLIENT_SECRET}, then {@code EPHEMERAL_SECRET}, else none.
     */
    public Builder secret(String secret) {
      this.secret = secret;
      this.secretSet = true;
      return this;
    }

    /**
     * Upper bound for a whole call, retries included. Default: {@code CLIENT_TIMEOUT} (ms), else 5
     * s.
     */
    public Builder timeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero() || timeout.toNanos() < 1_000_000) {
        throw new IllegalArgumentException("timeout must be at least 1 ms, got " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * Adds a timestamp ({@code ts}) and a random {@code nonce} to every signed request, for a
     * broker started with replay protection ({@code --replay-window}). Only signed requests carry
     * them, so it needs a secret. Default false: the plain Node protocol.
     */
    public Builder replayProtection(boolean on) {
      this.replayProtection = on;
      return this;
    }

    /** Allow {@code set} without a TTL. Default: {@code CLIENT_ALLOW_NO_TTL}, else false. */
    public Builder allowNoTtl(boolean allowNoTtl) {
      this.allowNoTtlOption = allowNoTtl;
      return this;
    }

    /** Compress large values. Default: {@code CLIENT_COMPRESSION}, else true. */
    public Builder compression(boolean compression) {
      this.compressionOption = compression;
      return this;
    }

    /**
     * Minimum JSON length (UTF-16 code units, as JavaScript counts) for compression; 0 compresses
     * every value. Default: {@code CLIENT_COMPRESSION_THRESHOLD}, else 1024.
     */
    public Builder compressionThreshold(int threshold) {
      if (threshold < 0) {
        throw new IllegalArgumentException("compressionThreshold must be >= 0, got " + threshold);
      }
      this.thresholdOption = threshold;
      return this;
    }

    /**
     * Largest decompressed size accepted for a compressed value (protects against gzip bombs).
     * Default: 64 MiB.
     */
    public Builder maxDecompressedBytes(int maxBytes) {
      if (maxBytes < 1 || maxBytes > Integer.MAX_VALUE - 16) {
        throw new IllegalArgumentException("maxDecompressedBytes out of range: " + maxBytes);
      }
      this.maxDecompressedBytes = maxBytes;
      return this;
    }

    /** Log connections, retries and failures at INFO. Default: {@code CLIENT_DEBUG}, else false. */
    public Builder debug(boolean debug) {
      this.debugOption = debug;
      return this;
    }

    /** The mapper for values. Default: a new {@link ObjectMapper}. */
    public Builder objectMapper(ObjectMapper mapper) {
      this.objectMapper = Objects.requireNonNull(mapper, "mapper");
      return this;
    }

    /**
     * Where the async methods decode replies and complete their futures, and so where dependent
     * actions without an executor of their own run. Default: a small pool of daemon threads shared
     * by all clients (one per processor, at least two).
     */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * The variables to fall back on instead of {@link System#getenv()} (for tests and embedding).
     */
    public Builder environment(Map<String, String> environment) {
      this.environment = Map.copyOf(Objects.requireNonNull(environment, "environment"));
      return this;
    }

    /**
     * Creates the client. It connects lazily, on the first call.
     *
     * @throws IllegalStateException if no pipe is given and {@code EPHEMERAL_PIPE} is not set
     * @throws IllegalArgumentException if an environment variable does not parse
     */
    public BrokerClient build() {
      ClientSettings settings = ClientSettings.resolve(this);
      ScopedBroker scoped = null;
      if (scope != null) {
        scoped = scope.findOrStart();
        LOG.info("Using the {}", scoped);
      }
      return new BrokerClient(settings, scoped);
    }
  }
}
