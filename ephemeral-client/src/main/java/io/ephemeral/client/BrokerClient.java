package io.ephemeral.client;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.ephemeral.protocol.Hmac;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
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
  /*
   * Implementation notes.
   *
   * A request is a Call: its signed line, a deadline = start + timeout, and a future completed
   * with the raw response line. The deadline timer (one daemon scheduler thread per client)
   * completes the call exceptionally when the time is up, whatever stage it is in, so no call
   * outlives its timeout.
   *
   * attempt(call) gets the current Connection (connecting under connectLock when there is none
   * or it died; a connect that failed less than 25 ms ago is not repeated, its failure is
   * shared, so a crowd of retrying calls cannot hammer a dead broker) and submits the call. The Connection reports a failure through attemptFailed():
   * retryable failures schedule the next attempt on the timer thread after the backoff, capped
   * so that a last attempt still happens shortly before the deadline; anything else completes
   * the call. The first attempt runs on the caller's thread (a Unix-socket connect either
   * succeeds or fails at once), retries on the timer thread; the connection's threads only ever
   * complete futures, they never connect or run user code.
   *
   * Responses are decoded (parsed, error-mapped, values mapped by Jackson) on the caller's
   * thread for the blocking methods and on `executor` for the async ones (see AsyncExecutor for
   * why not the common pool).
   */

  private static final Logger LOG = LoggerFactory.getLogger(BrokerClient.class);

  /** Backoff between attempts; the last entry repeats until the timeout is used up. */
  private static final long[] BACKOFF_MILLIS = {50, 100, 200, 400, 800};

  /** Largest integer JavaScript represents exactly; the broker does arithmetic on TTLs. */
  private static final long MAX_TTL_MILLIS = 9_007_199_254_740_991L;

  /** Within this interval after a failed connect, other calls reuse its failure. */
  private static final long CONNECT_COALESCE_NANOS = TimeUnit.MILLISECONDS.toNanos(25);

  private static final AtomicInteger CLIENT_IDS = new AtomicInteger();

  private final Path pipe;
  private final Failures failures;
  private final Hmac hmac;
  private final boolean replayProtection;
  private static final java.security.SecureRandom NONCES = new java.security.SecureRandom();
  private final Duration timeout;
  private final long timeoutNanos;
  private final boolean allowNoTtl;
  private final boolean compression;
  private final int compressionThreshold;
  private final int maxDecompressedBytes;
  private final boolean debug;
  private final ObjectMapper mapper;

  /** Writes values; surrogate pairs as UTF-8 (like JSON.stringify), not as escapes. */
  private final ObjectWriter writer;

  private final Executor executor;

  private final String name;
  private final ScheduledThreadPoolExecutor timer;
  private final Set<Call> active = ConcurrentHashMap.newKeySet();
  private final Object connectLock = new Object();
  private final AtomicInteger connectionIds = new AtomicInteger();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile Connection connection;
  private final AtomicInteger connectAttempts = new AtomicInteger();

  /** The last failed connect and when it happened; guarded by connectLock. */
  private BrokerConnectionException lastConnectFailure;

  private long lastConnectFailureNanos;

  private BrokerClient(Builder b, Path pipe, String pipeLabel, String secret, Duration timeout) {
    this.pipe = pipe;
    this.failures = new Failures(pipe, pipeLabel);
    this.hmac = secret == null ? null : Hmac.withSecret(secret);
    this.replayProtection = b.replayProtection;
    this.timeout = timeout;
    this.timeoutNanos = timeout.toNanos();
    this.allowNoTtl = b.allowNoTtl;
    this.compression = b.compression;
    this.compressionThreshold = b.compressionThreshold;
    this.maxDecompressedBytes = b.maxDecompressedBytes;
    this.debug = b.debug;
    this.mapper = b.objectMapper != null ? b.objectMapper : new ObjectMapper();
    this.writer = mapper.writer().with(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8);
    this.executor = b.executor != null ? b.executor : AsyncExecutor.get();
    this.name = "ephemeral-client-" + CLIENT_IDS.incrementAndGet();
    this.timer =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, name + "-timer");
              t.setDaemon(true);
              return t;
            });
    timer.setRemoveOnCancelPolicy(true);
    timer.setKeepAliveTime(30, TimeUnit.SECONDS);
    timer.allowCoreThreadTimeOut(true);
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

  /** The socket path this client connects to. */
  public Path pipe() {
    return pipe;
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
    JavaType t = mapper.constructType(Objects.requireNonNull(type, "type"));
    return sync(getCall(key), r -> readValue(key, r, t));
  }

  /**
   * Like {@link #get(String, Class)} for generic types, e.g. {@code new TypeReference<List<Foo>>()
   * {}}.
   */
  public <T> T get(String key, TypeReference<T> type) {
    JavaType t = mapper.constructType(Objects.requireNonNull(type, "type"));
    return sync(getCall(key), r -> readValue(key, r, t));
  }

  /** Asynchronous {@link #get(String, Class)}. */
  public <T> CompletableFuture<T> getAsync(String key, Class<T> type) {
    JavaType t = mapper.constructType(Objects.requireNonNull(type, "type"));
    return async(getCall(key), r -> readValue(key, r, t));
  }

  /** Asynchronous {@link #get(String, TypeReference)}. */
  public <T> CompletableFuture<T> getAsync(String key, TypeReference<T> type) {
    JavaType t = mapper.constructType(Objects.requireNonNull(type, "type"));
    return async(getCall(key), r -> readValue(key, r, t));
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
    return sync(getCall(key), r -> readRaw(key, r));
  }

  /** Asynchronous {@link #getRaw(String)}. */
  public CompletableFuture<String> getRawAsync(String key) {
    return async(getCall(key), r -> readRaw(key, r));
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
    sync(setCall(key, serialize(key, value), ttl, "set"), r -> null);
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
    return async(setCall(key, serialize(key, value), ttl, "set"), r -> null);
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
    sync(setCall(key, rawJson(key, json), ttl, "setRaw"), r -> null);
  }

  /** Asynchronous {@link #setRaw(String, String, Duration)}. */
  public CompletableFuture<Void> setRawAsync(String key, String json, Duration ttl) {
    return async(setCall(key, rawJson(key, json), ttl, "setRaw"), r -> null);
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
    return sync(delCall(key), BrokerClient::deleted);
  }

  /** Asynchronous {@link #del(String)}. */
  public CompletableFuture<Boolean> delAsync(String key) {
    return async(delCall(key), BrokerClient::deleted);
  }

  /**
   * Lists the live keys.
   *
   * @return key to expiry and whether a value is stored, in the broker's order; unmodifiable
   * @throws BrokerConnectionException if no answer came within the timeout
   */
  public Map<String, KeyInfo> list() {
    return sync(simpleCall("list"), BrokerClient::keys);
  }

  /** Asynchronous {@link #list()}. */
  public CompletableFuture<Map<String, KeyInfo>> listAsync() {
    return async(simpleCall("list"), BrokerClient::keys);
  }

  /**
   * Pings the broker.
   *
   * @return the broker's clock, epoch milliseconds (not a latency)
   * @throws BrokerConnectionException if no answer came within the timeout
   */
  public long ping() {
    return sync(simpleCall("ping"), r -> requireNumber(r, r.member("pong"), "pong").asLong());
  }

  /** Asynchronous {@link #ping()}. */
  public CompletableFuture<Long> pingAsync() {
    return async(simpleCall("ping"), r -> requireNumber(r, r.member("pong"), "pong").asLong());
  }

  /**
   * The broker's statistics.
   *
   * @throws BrokerConnectionException if no answer came within the timeout
   */
  public BrokerStats stats() {
    return sync(simpleCall("stats"), BrokerClient::toStats);
  }

  /** Asynchronous {@link #stats()}. */
  public CompletableFuture<BrokerStats> statsAsync() {
    return async(simpleCall("stats"), BrokerClient::toStats);
  }

  /**
   * The services registered on the broker's gateway and the call graph it observed.
   *
   * @throws BrokerConnectionException if no answer came within the timeout
   */
  public ServicesReport services() {
    return sync(simpleCall("services"), BrokerClient::toServices);
  }

  /** {@link #services()} without blocking. */
  public CompletableFuture<ServicesReport> servicesAsync() {
    return async(simpleCall("services"), BrokerClient::toServices);
  }

  /**
   * The broker's health report.
   *
   * @throws BrokerConnectionException if no answer came within the timeout
   */
  public BrokerHealth health() {
    return sync(simpleCall("health"), BrokerClient::toHealth);
  }

  /** Asynchronous {@link #health()}. */
  public CompletableFuture<BrokerHealth> healthAsync() {
    return async(simpleCall("health"), BrokerClient::toHealth);
  }

  /**
   * The broker's metrics in the Prometheus text exposition format.
   *
   * @throws BrokerConnectionException if no answer came within the timeout
   */
  public String metrics() {
    return sync(simpleCall("metrics"), r -> r.member("metrics").asText());
  }

  /**
   * The broker's metrics as a JSON object text: requests and errors per action, latency percentiles
   * in ms, connections, compression, expirations and gateway calls per method.
   */
  public String metricsJson() {
    return sync(
        start("metrics", "json", Payload.action("metrics").string("format", "json").end()),
        r -> r.member("metrics").toString());
  }

  /** Asynchronous {@link #metrics()}. */
  public CompletableFuture<String> metricsAsync() {
    return async(simpleCall("metrics"), r -> r.member("metrics").asText());
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
    return sync(leaseCall(key, workerId, requireTtl(ttl)), BrokerClient::leaseValue);
  }

  /** Like {@link #lease(String, String, Duration)} with the broker's default lease TTL. */
  public int lease(String key, String workerId) {
    return sync(leaseCall(key, workerId, -1), BrokerClient::leaseValue);
  }

  /** Asynchronous {@link #lease(String, String, Duration)}. */
  public CompletableFuture<Integer> leaseAsync(String key, String workerId, Duration ttl) {
    return async(leaseCall(key, workerId, requireTtl(ttl)), BrokerClient::leaseValue);
  }

  /** Asynchronous {@link #lease(String, String)}. */
  public CompletableFuture<Integer> leaseAsync(String key, String workerId) {
    return async(leaseCall(key, workerId, -1), BrokerClient::leaseValue);
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
    long ttlMs = requireTtl(ttl);
    long waitMs = requireWait(wait);
    byte[] payload = poolLeasePayload(key, workerId, ttlMs, poolSize, waitMs);
    String subject = Text.quote(key) + " for worker " + Text.quote(workerId);
    if (waitMs == 0) {
      return sync(start("lease", subject, payload), r -> toLease(r, key, workerId, ttl, poolSize));
    }
    // The broker answers a connection's requests in order, so a request that waits for a slot
    // holds back everything behind it: it gets a connection of its own.
    return waitOnOwnConnection(
        subject,
        payload,
        timeoutNanos + TimeUnit.MILLISECONDS.toNanos(waitMs),
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

  private <T> T waitOnOwnConnection(
      String subject, byte[] payload, long callTimeoutNanos, Decoder<T> decoder) {
    if (closed.get()) {
      throw new IllegalStateException("BrokerClient is closed");
    }
    byte[] line = sign(payload);
    Call call = new Call("lease", subject, line, callTimeoutNanos);
    byte[] reply;
    try (java.nio.channels.SocketChannel ch =
            java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX);
        java.nio.channels.Selector selector = java.nio.channels.Selector.open()) {
      try {
        ch.connect(java.net.UnixDomainSocketAddress.of(pipe));
      } catch (IOException e) {
        throw failures.connectFailed(e);
      }
      ByteBuffer out = ByteBuffer.allocate(line.length + 1).put(line).put((byte) '\n').flip();
      while (out.hasRemaining()) {
        ch.write(out);
      }
      ch.configureBlocking(false);
      ch.register(selector, java.nio.channels.SelectionKey.OP_READ);
      java.io.ByteArrayOutputStream in = new java.io.ByteArrayOutputStream();
      ByteBuffer buf = ByteBuffer.allocate(4096);
      while (true) {
        long left = call.deadlineNanos - System.nanoTime();
        if (left <= 0) {
          throw Failures.broken(
              "ETIMEOUT",
              call.describe()
                  + ": no answer within "
                  + TimeUnit.NANOSECONDS.toMillis(callTimeoutNanos)
                  + " ms",
              null);
        }
        selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        selector.selectedKeys().clear();
        buf.clear();
        int n = ch.read(buf);
        if (n < 0) {
          throw Failures.broken(
              "EPIPE", call.describe() + ": the broker closed the connection", null);
        }
        int nl = indexOf(buf.array(), n);
        in.write(buf.array(), 0, nl < 0 ? n : nl);
        if (nl >= 0) {
          reply = in.toByteArray();
          break;
        }
      }
    } catch (IOException e) {
      throw Failures.ioFailed(e, "EPIPE", "waiting for a lease from");
    }
    return decode(call, reply, decoder);
  }

  private static int indexOf(byte[] b, int n) {
    for (int i = 0; i < n; i++) {
      if (b[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  /** Renews a pool lease (same slot, same token); used by {@link Lease}. */
  Lease renew(Lease lease) {
    return lease(lease.key(), lease.workerId(), lease.ttl(), lease.poolSize(), Duration.ZERO);
  }

  /** Schedules {@code task} on the client's timer thread every {@code period}. */
  java.util.concurrent.ScheduledFuture<?> every(Duration period, Runnable task) {
    long ms = Math.max(1, period.toMillis());
    return timer.scheduleWithFixedDelay(task, ms, ms, TimeUnit.MILLISECONDS);
  }

  private byte[] poolLeasePayload(
      String key, String workerId, long ttlMs, int poolSize, long waitMs) {
    if (key == null || key.isEmpty()) {
      throw new IllegalArgumentException("Key is required for lease()");
    }
    if (workerId == null || workerId.isEmpty()) {
      throw new IllegalArgumentException("Worker ID is required for lease()");
    }
    if (poolSize < 1 || poolSize > 1_000_000) {
      throw new IllegalArgumentException("poolSize must be from 1 to 1000000, got " + poolSize);
    }
    Payload p =
        Payload.action("lease")
            .string("key", key)
            .string("workerId", workerId)
            .number("ttl", ttlMs)
            .number("size", poolSize);
    if (waitMs > 0) {
      p.number("wait", waitMs);
    }
    return p.end();
  }

  private static long requireWait(Duration wait) {
    if (wait == null || wait.isNegative()) {
      throw new IllegalArgumentException("wait must be zero or positive, got " + wait);
    }
    if (wait.compareTo(Duration.ofDays(1)) > 0) {
      throw new IllegalArgumentException("wait must be at most a day, got " + wait);
    }
    return wait.toMillis();
  }

  private Lease toLease(Reply r, String key, String workerId, Duration ttl, int poolSize)
      throws IOException {
    int slot = leaseValue(r);
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
    return sync(releaseCall(workerId), r -> r.member("released").asBoolean());
  }

  /** Asynchronous {@link #release(String)}. */
  public CompletableFuture<Boolean> releaseAsync(String workerId) {
    return async(releaseCall(workerId), r -> r.member("released").asBoolean());
  }

  /**
   * Closes the connection and fails every call still waiting with a {@link
   * BrokerConnectionException} (code {@code ECLOSED}). Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    Connection c;
    synchronized (connectLock) {
      c = connection;
      connection = null;
    }
    if (c != null) {
      c.close(
          new BrokerConnectionException(
              "ECLOSED",
              "The client was closed before the broker answered (ECLOSED)",
              false,
              null));
    }
    for (Call call : active) {
      call.result.completeExceptionally(closedError(call));
    }
    timer.shutdownNow();
    log("{}: closed", name);
  }

  /** Prefix of the names of this client's threads (tests). */
  String threadNamePrefix() {
    return name;
  }

  @Override
  public String toString() {
    return "BrokerClient["
        + failures.pipeLabel()
        + ", timeout="
        + timeout.toMillis()
        + "ms"
        + (hmac != null ? ", signed" : "")
        + "]";
  }

  // ---------------------------------------------------------------------------------------
  // requests

  private Call getCall(String key) {
    requireKey(key, "get");
    return start("get", Text.quote(key), Payload.action("get").string("key", key).end());
  }

  private Call delCall(String key) {
    requireKey(key, "del");
    return start("del", Text.quote(key), Payload.action("del").string("key", key).end());
  }

  private Call simpleCall(String action) {
    return start(action, "", Payload.action(action).end());
  }

  private Call setCall(String key, byte[] json, Duration ttl, String method) {
    long ttlMillis;
    if (ttl == null) {
      if (!allowNoTtl) {
        throw new IllegalArgumentException(
            "TTL is required for set(). Pass a ttl value or set allowNoTtl: true in client "
                + "options.");
      }
      ttlMillis = -1;
    } else {
      ttlMillis = requireTtl(ttl);
    }
    Values.Encoded v = Values.encode(json, compression, compressionThreshold);
    Payload p =
        Payload.action("set", v.json().length + key.length() * 3)
            .string("key", key)
            .json("value", v.json());
    if (ttlMillis > 0) {
      p.number("ttl", ttlMillis);
    }
    p.bool("compressed", v.compressed())
        .number("beforeSize", v.beforeSize())
        .number("afterSize", v.afterSize());
    if (debug && v.compressed()) {
      log(
          "{}: {} {} compressed {} -> {} chars",
          name,
          method,
          Text.quote(key),
          v.beforeSize(),
          v.afterSize());
    }
    return start("set", Text.quote(key), p.end());
  }

  private Call leaseCall(String key, String workerId, long ttlMillis) {
    if (key == null || key.isEmpty()) {
      throw new IllegalArgumentException("Key is required for lease()");
    }
    if (workerId == null || workerId.isEmpty()) {
      throw new IllegalArgumentException("Worker ID is required for lease()");
    }
    Payload p = Payload.action("lease").string("key", key).string("workerId", workerId);
    if (ttlMillis > 0) {
      p.number("ttl", ttlMillis);
    }
    return start("lease", Text.quote(key) + " for worker " + Text.quote(workerId), p.end());
  }

  private Call releaseCall(String workerId) {
    if (workerId == null || workerId.isEmpty()) {
      throw new IllegalArgumentException("Worker ID is required for release()");
    }
    return start(
        "release",
        "worker " + Text.quote(workerId),
        Payload.action("release").string("workerId", workerId).end());
  }

  private static void requireKey(String key, String method) {
    if (key == null) {
      throw new IllegalArgumentException("Key is required for " + method + "()");
    }
  }

  private static long requireTtl(Duration ttl) {
    if (ttl == null) {
      throw new IllegalArgumentException("ttl must not be null");
    }
    long ms;
    try {
      ms = ttl.toMillis();
    } catch (ArithmeticException e) {
      ms = ttl.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    if (ms < 1) {
      throw new IllegalArgumentException("TTL must be at least 1 ms, got " + ttl);
    }
    if (ms > MAX_TTL_MILLIS) {
      throw new IllegalArgumentException(
          "TTL must be at most " + MAX_TTL_MILLIS + " ms, got " + ttl);
    }
    return ms;
  }

  private byte[] serialize(String key, Object value) {
    requireKey(key, "set");
    try {
      return writer.writeValueAsBytes(value);
    } catch (JsonProcessingException | RuntimeException | StackOverflowError e) {
      String detail =
          e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.toString();
      throw new IllegalArgumentException(
          "Cannot serialise the value for key "
              + Text.quote(key)
              + " to JSON ("
              + (value == null ? "null" : value.getClass().getName())
              + "): "
              + detail
              + ". Hint: check for circular references or values Jackson cannot serialise.",
          e);
    }
  }

  private static byte[] rawJson(String key, String json) {
    requireKey(key, "setRaw");
    if (json == null) {
      throw new IllegalArgumentException(
          "json must not be null for key " + Text.quote(key) + " (use \"null\" for a JSON null)");
    }
    byte[] bytes;
    try {
      ByteBuffer bb =
          StandardCharsets.UTF_8
              .newEncoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .encode(CharBuffer.wrap(json));
      bytes = Arrays.copyOf(bb.array(), bb.limit());
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(
          "The JSON for key "
              + Text.quote(key)
              + " contains a lone surrogate character; escape it as \\uXXXX",
          e);
    }
    try (JsonParser p = Reply.MAPPER.createParser(bytes)) {
      if (p.nextToken() == null) {
        throw new IOException("no JSON value");
      }
      p.skipChildren();
      if (p.nextToken() != null) {
        throw new IOException("more than one JSON value");
      }
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "The JSON for key " + Text.quote(key) + " is not one valid JSON value: " + e.getMessage(),
          e);
    }
    return bytes;
  }

  // ---------------------------------------------------------------------------------------
  // response decoding

  @FunctionalInterface
  private interface Decoder<T> {
    T decode(Reply reply) throws IOException;
  }

  private <T> T sync(Call call, Decoder<T> decoder) {
    return decode(call, await(call), decoder);
  }

  private <T> CompletableFuture<T> async(Call call, Decoder<T> decoder) {
    return call.result.thenApplyAsync(line -> decode(call, line, decoder), executor);
  }

  private <T> T decode(Call call, byte[] line, Decoder<T> decoder) {
    Reply reply;
    try {
      reply = Reply.parse(line);
    } catch (IOException e) {
      throw invalidResponse(call, line, e);
    }
    if (!reply.ok) {
      throw brokerError(call, reply);
    }
    try {
      return decoder.decode(reply);
    } catch (IOException e) {
      throw invalidResponse(call, line, e);
    }
  }

  private byte[] await(Call call) {
    try {
      // The deadline timer completes the call; the extra margin only guards against a bug.
      long left = call.deadlineNanos - System.nanoTime();
      return call.result.get(Math.max(0, left) + TimeUnit.SECONDS.toNanos(5), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof BrokerConnectionException bce) {
        // Re-thrown with this thread's stack; the original (other thread) stays as the cause.
        throw new BrokerConnectionException(bce.code(), bce.getMessage(), false, bce);
      }
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BrokerConnectionException(
          "EINTR",
          call.describe() + ": interrupted while waiting for the broker (EINTR)",
          false,
          e);
    } catch (TimeoutException e) {
      throw new BrokerConnectionException(
          "ETIMEOUT",
          call.describe() + ": no reply within " + timeout.toMillis() + " ms",
          false,
          e);
    }
  }

  private <T> T readValue(String key, Reply r, JavaType type) {
    if (!r.hasValue()) {
      return null;
    }
    try {
      if (r.compressed) {
        byte[] json = Values.decompress(key, r.valueString, maxDecompressedBytes);
        return mapper.readValue(json, 0, json.length, type);
      }
      return mapper.readValue(r.line, r.valueStart, r.valueEnd - r.valueStart, type);
    } catch (IOException e) {
      String detail =
          e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
      throw new ValueDecodingException(
          key,
          "Cannot read the value of key "
              + Text.quote(key)
              + " as "
              + type.toCanonical()
              + ": "
              + detail,
          e);
    }
  }

  private String readRaw(String key, Reply r) {
    if (!r.hasValue()) {
      return null;
    }
    if (!r.compressed) {
      return r.valueText();
    }
    byte[] json = Values.decompress(key, r.valueString, maxDecompressedBytes);
    Values.requireJson(key, json);
    return new String(json, StandardCharsets.UTF_8);
  }

  private static Boolean deleted(Reply r) {
    JsonNode d = r.member("deleted");
    return d.isBoolean() ? d.booleanValue() : Boolean.TRUE;
  }

  private static Integer leaseValue(Reply r) throws IOException {
    JsonNode v = r.valueTree();
    if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
      throw new IOException("lease reply without an integer value");
    }
    return v.intValue();
  }

  private static JsonNode requireNumber(Reply r, JsonNode n, String member) throws IOException {
    if (!n.isNumber()) {
      throw new IOException("reply without a numeric " + member);
    }
    return n;
  }

  private static Map<String, KeyInfo> keys(Reply r) {
    JsonNode items = r.member("items");
    Map<String, KeyInfo> out = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = items.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode info = e.getValue();
      out.put(
          e.getKey(),
          new KeyInfo(info.path("expires").asLong(), info.path("hasValue").asBoolean()));
    }
    return Collections.unmodifiableMap(out);
  }

  private static Capacity toCapacity(JsonNode c) {
    JsonNode warning = c.path("warning");
    return new Capacity(
        c.path("items").asLong(),
        c.path("maxItems").asLong(),
        c.path("utilization").asDouble(),
        c.path("nearCapacity").asBoolean(),
        c.path("atCapacity").asBoolean(),
        warning.isTextual() ? warning.asText() : null);
  }

  private static BrokerStats toStats(Reply r) {
    JsonNode s = r.member("stats");
    JsonNode m = s.path("memory");
    return new BrokerStats(
        s.path("items").asLong(),
        s.path("leases").asLong(),
        s.path("leaseWaiters").asLong(),
        toCapacity(s.path("capacity")),
        new BrokerStats.Memory(
            m.path("rss").asLong(),
            m.path("heapUsed").asLong(),
            m.path("approximateStoreBytes").asLong()),
        s.path("uptime").asLong());
  }

  private static ServicesReport toServices(Reply r) {
    List<ServicesReport.Service> services = new ArrayList<>();
    for (JsonNode s : r.member("services")) {
      List<String> methods = new ArrayList<>();
      s.path("methods").forEach(m -> methods.add(m.asText()));
      JsonNode calls = s.path("calls");
      services.add(
          new ServicesReport.Service(
              s.path("name").asText(),
              List.copyOf(methods),
              s.path("connections").asInt(),
              s.path("connectedAt").asLong(),
              s.path("lastHeartbeat").asLong(),
              calls.path("received").asLong(),
              calls.path("made").asLong(),
              calls.path("errors").asLong(),
              s.path("pending").asInt()));
    }
    List<ServicesReport.Edge> edges = new ArrayList<>();
    for (JsonNode e : r.member("edges")) {
      edges.add(
          new ServicesReport.Edge(
              e.path("from").asText(),
              e.path("to").asText(),
              e.path("calls").asLong(),
              e.path("errors").asLong()));
    }
    return new ServicesReport(List.copyOf(services), List.copyOf(edges));
  }

  private static BrokerHealth toHealth(Reply r) {
    JsonNode m = r.member("memory");
    JsonNode c = r.member("connections");
    return new BrokerHealth(
        r.member("status").asText(null),
        r.member("uptime").asLong(),
        r.member("timestamp").asLong(),
        toCapacity(r.member("capacity")),
        new BrokerHealth.Memory(
            m.path("rss").asLong(), m.path("heapUsed").asLong(), m.path("heapTotal").asLong()),
        new BrokerHealth.Connections(c.path("inFlight").asLong(), c.path("draining").asBoolean()));
  }

  private BrokerConnectionException invalidResponse(Call call, byte[] line, Exception e) {
    String text = new String(line, 0, Math.min(line.length, 200), StandardCharsets.UTF_8);
    return new BrokerConnectionException(
        "EPROTO",
        call.describe()
            + ": invalid response from the broker ("
            + e.getMessage()
            + "): "
            + Text.quote(text)
            + " (EPROTO)",
        false,
        e);
  }

  private BrokerException brokerError(Call call, Reply r) {
    String code = r.error == null || r.error.isEmpty() ? "request_failed" : r.error;
    String detail = r.message != null && !r.message.isEmpty() ? r.message : hint(code);
    String msg = call.describe() + " failed: " + code + (detail == null ? "" : " (" + detail + ")");
    return switch (code) {
      case "not_found" -> new NotFoundException(msg);
      case "expired" -> new ExpiredException(msg);
      case "auth_failed" -> new AuthFailedException(msg);
      case "too_large" -> new TooLargeException(msg);
      default -> new BrokerException(code, msg);
    };
  }

  private String hint(String code) {
    return switch (code) {
      case "not_found" -> "no such key";
      case "expired" -> "the key's TTL has passed";
      case "too_large" -> "the value or the request exceeds the broker's size limit";
      case "max_items" -> "the broker's store is full (maxItems)";
      case "auth_failed" ->
          hmac == null
              ? "the broker requires signed requests: set CLIENT_SECRET or EPHEMERAL_SECRET, or "
                  + "the builder's secret, to the broker's secret"
              : "the client's secret does not match the broker's";
      case "ttl_required" -> "the broker requires a TTL on every set";
      case "invalid_ttl" -> "the TTL must be a positive number of milliseconds";
      case "worker_already_has_lease" ->
          "the worker holds a lease on another key; release it first";
      case "key_and_worker_required", "worker_required" -> "key and worker id are required";
      case "draining" -> "the broker is shutting down";
      case "unknown_action" -> "the broker does not support this action";
      case "invalid_json" -> "the broker could not parse the request";
      case "request_failed" -> "the broker answered ok:false without an error code";
      default -> null;
    };
  }

  // ---------------------------------------------------------------------------------------
  // call lifecycle

  /**
   * The line to send: the payload as is, or signed; with replay protection the signed payload also
   * carries the time and a fresh random nonce. A retry resends the same line, so a request that did
   * reach the broker the first time is refused as a replay rather than run twice.
   */
  private byte[] sign(byte[] payload) {
    if (hmac == null) {
      return payload;
    }
    if (replayProtection) {
      byte[] nonce = new byte[16];
      NONCES.nextBytes(nonce);
      payload =
          Hmac.withReplayFields(
              payload, System.currentTimeMillis(), java.util.HexFormat.of().formatHex(nonce));
    }
    return hmac.signRequest(payload);
  }

  private Call start(String action, String subject, byte[] payload) {
    return start(action, subject, payload, timeoutNanos);
  }

  /**
   * A call with its own total timeout (a lease that may wait for a slot needs more than the
   * default).
   */
  private Call start(String action, String subject, byte[] payload, long callTimeoutNanos) {
    if (closed.get()) {
      throw new IllegalStateException("BrokerClient is closed");
    }
    byte[] line;
    try {
      line = sign(payload);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          (subject.isEmpty() ? action : action + " " + subject)
              + ": cannot sign the request: "
              + e.getMessage(),
          e);
    }
    Call call = new Call(action, subject, line, callTimeoutNanos);
    active.add(call);
    call.result.whenComplete(
        (r, e) -> {
          active.remove(call);
          var d = call.deadline;
          if (d != null) {
            d.cancel(false);
          }
        });
    try {
      call.deadline = timer.schedule(() -> expire(call), callTimeoutNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      call.result.completeExceptionally(closedError(call));
      return call;
    }
    attempt(call);
    return call;
  }

  private void attempt(Call call) {
    if (call.result.isDone()) {
      return;
    }
    if (closed.get()) {
      call.result.completeExceptionally(closedError(call));
      return;
    }
    int n = ++call.attempts;
    Connection c;
    try {
      c = connection();
    } catch (BrokerConnectionException e) {
      attemptFailed(call, e);
      return;
    }
    call.submitted = true;
    if (!c.submit(call)) {
      BrokerConnectionException why = c.failure();
      attemptFailed(
          call, why != null ? why : Failures.broken("ECONNRESET", "The connection closed", null));
    } else if (n > 1) {
      log("{}: {} attempt {} sent on {}", name, call.describe(), n, c.name());
    }
  }

  private Connection connection() {
    Connection c = connection;
    if (c != null && c.isOpen()) {
      return c;
    }
    synchronized (connectLock) {
      c = connection;
      if (c != null && c.isOpen()) {
        return c;
      }
      if (closed.get()) {
        throw new BrokerConnectionException("ECLOSED", "The client is closed", false, null);
      }
      // Many calls retrying against a dead broker share one connect attempt per interval.
      BrokerConnectionException recent = lastConnectFailure;
      if (recent != null && System.nanoTime() - lastConnectFailureNanos < CONNECT_COALESCE_NANOS) {
        throw recent;
      }
      connectAttempts.incrementAndGet();
      try {
        c =
            Connection.open(
                pipe,
                name + "-conn" + connectionIds.incrementAndGet(),
                failures,
                this::attemptFailed);
      } catch (BrokerConnectionException e) {
        lastConnectFailure = e;
        lastConnectFailureNanos = System.nanoTime();
        throw e;
      }
      lastConnectFailure = null;
      connection = c;
      log("{}: connected to {} ({})", name, pipe, c.name());
      return c;
    }
  }

  /** Connect attempts so far (tests). */
  int connectAttempts() {
    return connectAttempts.get();
  }

  /** A connection-level failure of the call's current attempt: retry or give up. */
  private void attemptFailed(Call call, BrokerConnectionException e) {
    call.submitted = false;
    call.lastError = e;
    if (call.result.isDone()) {
      return;
    }
    if (closed.get()) {
      call.result.completeExceptionally(closedError(call));
      return;
    }
    if (!e.retryable()) {
      call.result.completeExceptionally(
          new BrokerConnectionException(
              e.code(), call.describe() + ": " + e.getMessage(), false, e));
      return;
    }
    long remaining = call.deadlineNanos - System.nanoTime();
    long backoff =
        TimeUnit.MILLISECONDS.toNanos(
            BACKOFF_MILLIS[Math.min(call.attempts - 1, BACKOFF_MILLIS.length - 1)]);
    long delay;
    if (remaining > backoff) {
      delay = backoff;
    } else if (remaining > TimeUnit.MILLISECONDS.toNanos(20)) {
      delay = remaining - TimeUnit.MILLISECONDS.toNanos(10); // one last try before the deadline
    } else {
      return; // the deadline timer reports the last error
    }
    log(
        "{}: {} failed ({}), retry {} in {} ms",
        name,
        call.describe(),
        e.code(),
        call.attempts,
        TimeUnit.NANOSECONDS.toMillis(delay));
    try {
      timer.schedule(() -> attempt(call), delay, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException x) {
      call.result.completeExceptionally(closedError(call));
    }
  }

  /** The deadline timer: the call's time is up. */
  private void expire(Call call) {
    if (call.result.isDone()) {
      return;
    }
    BrokerConnectionException last = call.lastError;
    long ms = timeout.toMillis();
    BrokerConnectionException e;
    if (call.submitted || last == null) {
      e =
          new BrokerConnectionException(
              "ETIMEOUT",
              call.describe()
                  + ": no reply from the broker within "
                  + ms
                  + " ms (attempt "
                  + call.attempts
                  + "); the broker may be overloaded or stuck. "
                  + failures.pipeLabel()
                  + " (ETIMEOUT)",
              false,
              last);
    } else {
      e =
          new BrokerConnectionException(
              last.code(),
              call.describe()
                  + ": could not reach the broker within "
                  + ms
                  + " ms ("
                  + call.attempts
                  + (call.attempts == 1 ? " attempt" : " attempts")
                  + "). Last error: "
                  + last.getMessage(),
              false,
              last);
    }
    if (call.result.completeExceptionally(e)) {
      log("{}: {} gave up after {} ms: {}", name, call.describe(), call.elapsedMillis(), e.code());
    }
  }

  private BrokerConnectionException closedError(Call call) {
    return new BrokerConnectionException(
        "ECLOSED",
        call.describe() + ": the client was closed before the broker answered (ECLOSED)",
        false,
        null);
  }

  private void log(String format, Object... args) {
    if (debug) {
      LOG.info(format, args);
    } else {
      LOG.debug(format, args);
    }
  }

  // ---------------------------------------------------------------------------------------

  /**
   * Options for a {@link BrokerClient}. Every option left unset falls back to its environment
   * variable (see {@link BrokerClient#fromEnvironment()}), then to its default; options set here
   * always win.
   */
  public static final class Builder {
    private static final int DEFAULT_MAX_DECOMPRESSED = 64 * 1024 * 1024;

    private Map<String, String> environment = System.getenv();
    private Path pipe;
    private String secret;
    private boolean secretSet;
    private Duration timeout;
    private Boolean allowNoTtlOption;
    private Boolean compressionOption;
    private Integer thresholdOption;
    private Boolean debugOption;
    private boolean replayProtection;
    private int maxDecompressedBytes = DEFAULT_MAX_DECOMPRESSED;
    private ObjectMapper objectMapper;
    private Executor executor;

    // resolved in build()
    private boolean allowNoTtl;
    private boolean compression;
    private int compressionThreshold;
    private boolean debug;

    private Builder() {}

    /** The broker's socket path. Default: {@code EPHEMERAL_PIPE}. */
    public Builder pipe(Path pipe) {
      this.pipe = Objects.requireNonNull(pipe, "pipe");
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
      Path resolvedPipe = pipe;
      String label;
      if (resolvedPipe == null) {
        String env = env("EPHEMERAL_PIPE");
        if (env == null) {
          throw new IllegalStateException(
              "EPHEMERAL_PIPE is not set: start the client under a running broker (which exports "
                  + "EPHEMERAL_PIPE to the processes it starts) or pass the socket path with "
                  + "BrokerClient.builder().pipe(path)");
        }
        try {
          resolvedPipe = Path.of(env);
        } catch (RuntimeException e) {
          throw new IllegalArgumentException("EPHEMERAL_PIPE is not a valid path: " + env, e);
        }
        label = "EPHEMERAL_PIPE=" + env;
      } else {
        label = "pipe=" + resolvedPipe;
      }
      String resolvedSecret = secretSet ? secret : env("CLIENT_SECRET");
      if (!secretSet && resolvedSecret == null) {
        resolvedSecret = env("EPHEMERAL_SECRET");
      }
      if (resolvedSecret != null && resolvedSecret.isEmpty()) {
        resolvedSecret = null;
      }
      Duration resolvedTimeout = timeout;
      if (resolvedTimeout == null) {
        Integer ms = envInt("CLIENT_TIMEOUT", 1);
        resolvedTimeout = ms == null ? Duration.ofSeconds(5) : Duration.ofMillis(ms);
      }
      allowNoTtl =
          allowNoTtlOption != null ? allowNoTtlOption : envBool("CLIENT_ALLOW_NO_TTL", false);
      compression =
          compressionOption != null ? compressionOption : envBool("CLIENT_COMPRESSION", true);
      debug = debugOption != null ? debugOption : envBool("CLIENT_DEBUG", false);
      if (thresholdOption != null) {
        compressionThreshold = thresholdOption;
      } else {
        Integer t = envInt("CLIENT_COMPRESSION_THRESHOLD", 0);
        compressionThreshold = t == null ? 1024 : t;
      }
      if (replayProtection && resolvedSecret == null) {
        throw new IllegalStateException(
            "replayProtection needs a secret: only signed requests carry a timestamp and nonce "
                + "(set CLIENT_SECRET or EPHEMERAL_SECRET, or the builder's secret)");
      }
      return new BrokerClient(this, resolvedPipe, label, resolvedSecret, resolvedTimeout);
    }

    private String env(String name) {
      String v = environment.get(name);
      return v == null || v.isEmpty() ? null : v;
    }

    private boolean envBool(String name, boolean dflt) {
      String v = env(name);
      if (v == null) {
        return dflt;
      }
      String t = v.trim().toLowerCase(Locale.ROOT);
      return t.equals("true") || t.equals("1");
    }

    private Integer envInt(String name, int min) {
      String v = env(name);
      if (v == null) {
        return null;
      }
      int n;
      try {
        n = Integer.parseInt(v.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(name + " must be a whole number, got \"" + v + "\"", e);
      }
      if (n < min) {
        throw new IllegalArgumentException(
            name + " must be at least " + min + ", got \"" + v + "\"");
      }
      return n;
    }
  }
}
