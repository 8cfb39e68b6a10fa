package io.ephemeral.broker;

import io.ephemeral.broker.internal.BuilderSettings;
import io.ephemeral.broker.internal.Engine;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An in-memory key/value and lease broker on a private Unix-domain socket, speaking the
 * newline-delimited JSON protocol of the Node {@code ephemeral-broker}.
 *
 * <pre>{@code
 * try (Broker broker = Broker.builder().maxItems(5_000).build()) {
 *   Path pipe = broker.start();          // e.g. /tmp/eph-1a2b3c4d5e6f/broker-1a2b3c4d5e6f.sock
 *   Process tests = broker.spawn(List.of("mvn", "verify"));   // child sees EPHEMERAL_PIPE
 *   System.exit(tests.waitFor());
 * }
 * }</pre>
 *
 * <p>All state lives on one event-loop thread; the methods of this class are thread-safe and hand
 * their work to that thread.
 */
public final class Broker implements AutoCloseable {
  private final Engine engine;
  private final Gateway gateway = new Gateway(this);

  private Broker(Engine engine) {
    this.engine = engine;
  }

  /** A builder whose unset options fall back to the process environment ({@code BROKER_*}). */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Binds the socket and starts serving.
   *
   * @return the socket path, to hand to clients as {@code EPHEMERAL_PIPE}
   * @throws IllegalStateException if this broker is already running
   * @throws IOException if the socket cannot be bound; the message says why, e.g. "Broker already
   *     running" when a live broker answers on the same path, or that the path is too long
   * @throws io.ephemeral.broker.store.StoreUnavailableException if the broker has a shared store
   *     ({@link Builder#store}) that cannot be reached; nothing is bound then
   */
  public Path start() throws IOException {
    return engine.start();
  }

  /**
   * Stops the broker: closes every connection, clears the store and the leases, removes the socket
   * file and its private directory, and removes the shutdown hook. Idempotent.
   */
  public void stop() {
    engine.stop();
  }

  /**
   * Stops accepting work: new connections are answered {@code {"ok":false,"error":"draining"}} and
   * closed, while every request already received is answered. Returns when no request is in flight
   * or when the timeout passes.
   *
   * @return true if the broker became idle within the timeout
   */
  public boolean drain(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    return engine.drain(timeout);
  }

  /** {@link #spawn(List)} with varargs. */
  public Process spawn(String... command) throws IOException {
    return spawn(Arrays.asList(command));
  }

  /**
   * Runs a command as a child process with inherited standard streams and {@code EPHEMERAL_PIPE}
   * (and {@code EPHEMERAL_SECRET} when the broker has a secret) in its environment. When the child
   * exits, the broker stops.
   *
   * @throws IOException if the command cannot be started; the broker keeps running
   */
  public Process spawn(List<String> command) throws IOException {
    if (command.isEmpty()) {
      throw new IllegalArgumentException("spawn needs a command");
    }
    return engine.spawn(command);
  }

  /** The service gateway served on this broker's socket. */
  public Gateway gateway() {
    return gateway;
  }

  /** The socket path while running, else null. */
  public Path socketPath() {
    return engine.socketPath();
  }

  /**
   * Client connections open now (key/value and gateway alike; refused ones do not count), or 0 when
   * the broker is not running.
   */
  public int connections() {
    return engine.connections();
  }

  /** True between a successful {@link #start()} and the next stop. */
  public boolean isRunning() {
    return engine.isRunning();
  }

  /**
   * Blocks until the broker has stopped (by {@link #stop()}, idle timeout, or its child exiting).
   */
  public void awaitStop() throws InterruptedException {
    engine.awaitStop();
  }

  /** Like {@link #awaitStop()} with a limit; returns false if the broker is still running. */
  public boolean awaitStop(Duration timeout) throws InterruptedException {
    return engine.awaitStop(timeout);
  }

  /**
   * Why the broker stopped by itself, if it did because its event loop failed and could not go on
   * (a failure of one request, timer or task never stops it). Empty while it runs and after a stop
   * that was asked for ({@link #stop()}, the idle timeout, the spawned command's exit), so a
   * launcher can tell a failure from a normal end once {@link #awaitStop()} returns.
   */
  public java.util.Optional<Throwable> failure() {
    return java.util.Optional.ofNullable(engine.failure());
  }

  /** Same as {@link #stop()}. */
  @Override
  public void close() {
    stop();
  }

  /** The installed JVM shutdown hook while running (package-private for tests). */
  Thread shutdownHook() {
    return engine.shutdownHook();
  }

  /** The engine behind this broker, for its {@link Gateway}. */
  Engine engine() {
    return engine;
  }

  static final java.util.Set<String> BUILT_IN_ACTIONS =
      java.util.Set.of(
          "get",
          "set",
          "del",
          "list",
          "ping",
          "stats",
          "health",
          "metrics",
          "lease",
          "release",
          "services");

  /**
   * Adds a custom action to this broker, also while it runs (the Node broker's {@code
   * broker.register(name, handler)}).
   *
   * @throws IllegalArgumentException if the name is taken
   */
  public void register(String action, ActionHandler handler) {
    Objects.requireNonNull(handler, "handler");
    if (action == null
        || action.isEmpty()
        || BUILT_IN_ACTIONS.contains(action)
        || !engine.register(action, handler)) {
      throw new IllegalArgumentException("action '" + action + "' is already defined");
    }
  }

  /**
   * Options of a {@link Broker}. Every option left unset falls back to its {@code BROKER_*}
   * environment variable, then to the documented default; an explicit option always wins. Each
   * option is a row of {@link BrokerOption}, whose rule checks it: a setter refuses a value out of
   * range at once ({@link IllegalArgumentException} naming the option), and {@link #build()} an
   * environment variable that does not parse, never silently ignored.
   */
  public static final class Builder {
    static {
      BuilderSettings.readBuildersWith(builder -> builder.settings);
    }

    private final BuilderSettings settings = new BuilderSettings();

    /** What {@link #allowUnsignedServices} was given so far (each call adds). */
    private final List<String> unsignedServices = new java.util.ArrayList<>();

    private Builder() {}

    /**
     * Debug logging (same as {@code logLevel("debug")}). Env: {@code BROKER_DEBUG}. Default false.
     */
    public Builder debug(boolean debug) {
      return set(BrokerOption.DEBUG, debug);
    }

    /** Whether {@code set} must carry a ttl. Env: {@code BROKER_REQUIRE_TTL}. Default true. */
    public Builder requireTtl(boolean requireTtl) {
      return set(BrokerOption.REQUIRE_TTL, requireTtl);
    }

    /**
     * TTL for values set without one (when not required) and for leases. Env: {@code
     * BROKER_DEFAULT_TTL} (ms). Default 30 min.
     */
    public Builder defaultTtl(Duration defaultTtl) {
      return set(BrokerOption.DEFAULT_TTL, defaultTtl);
    }

    /** Most live items; 0 = unlimited. Env: {@code BROKER_MAX_ITEMS}. Default 10,000. */
    public Builder maxItems(int maxItems) {
      return set(BrokerOption.MAX_ITEMS, maxItems);
    }

    /** Longest request line in bytes. Env: {@code BROKER_MAX_REQUEST_SIZE}. Default 1 MiB. */
    public Builder maxRequestSize(int maxRequestSize) {
      return set(BrokerOption.MAX_REQUEST_SIZE, maxRequestSize);
    }

    /**
     * Largest value in UTF-8 bytes as sent. Env: {@code BROKER_MAX_VALUE_SIZE}. Default 256 KiB.
     */
    public Builder maxValueSize(int maxValueSize) {
      return set(BrokerOption.MAX_VALUE_SIZE, maxValueSize);
    }

    /** HMAC secret; every request must then be signed. Env: {@code BROKER_SECRET}. Default none. */
    public Builder secret(String secret) {
      return set(BrokerOption.SECRET, secret);
    }

    /**
     * Keep large values gzip-compressed in memory. Env: {@code BROKER_COMPRESSION}. Default true.
     */
    public Builder compression(boolean compression) {
      return set(BrokerOption.COMPRESSION, compression);
    }

    /**
     * Values of at least this many bytes are kept compressed. Env: {@code
     * BROKER_COMPRESSION_THRESHOLD}. Default 1024.
     */
    public Builder compressionThreshold(int bytes) {
      return set(BrokerOption.COMPRESSION_THRESHOLD, bytes);
    }

    /**
     * How often expired items and leases are swept. Env: {@code BROKER_SWEEPER_INTERVAL} (ms).
     * Default 30 s.
     */
    public Builder sweeperInterval(Duration interval) {
      return set(BrokerOption.SWEEPER_INTERVAL, interval);
    }

    /**
     * Stop after this long without a request. Env: {@code BROKER_IDLE_TIMEOUT} (ms). Default off.
     */
    public Builder idleTimeout(Duration timeout) {
      return set(BrokerOption.IDLE_TIMEOUT, timeout);
    }

    /**
     * Log a heartbeat line at this interval. Env: {@code BROKER_HEARTBEAT_INTERVAL} (ms). Default
     * off.
     */
    public Builder heartbeatInterval(Duration interval) {
      return set(BrokerOption.HEARTBEAT_INTERVAL, interval);
    }

    /** debug, info, warn or error. Env: {@code BROKER_LOG_LEVEL}. Default info. */
    public Builder logLevel(String level) {
      return set(
          BrokerOption.LOG_LEVEL,
          Objects.requireNonNull(level, "level").trim().toLowerCase(java.util.Locale.ROOT));
    }

    /** One JSON object per log line. Env: {@code BROKER_STRUCTURED_LOGGING}. Default false. */
    public Builder structuredLogging(boolean structured) {
      return set(BrokerOption.STRUCTURED_LOGGING, structured);
    }

    /** Record metrics. Env: {@code BROKER_METRICS}. Default true. */
    public Builder metrics(boolean metrics) {
      return set(BrokerOption.METRICS, metrics);
    }

    /** Fixed id instead of a random one: the socket becomes {@code broker-<id>.sock}. */
    public Builder pipeId(String pipeId) {
      return set(BrokerOption.PIPE_ID, pipeId);
    }

    /**
     * Sliding expiry: a successful get restarts the key's original TTL. Env: {@code
     * BROKER_REFRESH_TTL_ON_GET}. Default false.
     */
    public Builder refreshTtlOnGet(boolean refresh) {
      return set(BrokerOption.REFRESH_TTL_ON_GET, refresh);
    }

    /**
     * What happens to a new key when the store is full. Env: {@code BROKER_EVICTION_POLICY}.
     * Default reject.
     */
    public Builder evictionPolicy(EvictionPolicy policy) {
      return set(BrokerOption.EVICTION_POLICY, policy);
    }

    /** Bind exactly this path instead of a fresh private directory (the parent must exist). */
    public Builder socketPath(Path path) {
      settings.socketPath = Objects.requireNonNull(path, "path").toAbsolutePath();
      return this;
    }

    /** The clock for TTLs and timers; tests pass a {@link ManualClock}. */
    public Builder clock(Clock clock) {
      settings.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Install a JVM shutdown hook that drains and stops the broker (default true). */
    public Builder shutdownHook(boolean install) {
      settings.shutdownHook = install;
      return this;
    }

    /**
     * The environment to read {@code BROKER_*} and {@code TMPDIR} from (default: the process's).
     */
    public Builder environment(Map<String, String> environment) {
      settings.environment = Map.copyOf(environment);
      return this;
    }

    /**
     * Largest gateway frame body in bytes; larger frames are refused from their header. Env: {@code
     * BROKER_MAX_FRAME_SIZE}. Default 16 MiB.
     */
    public Builder maxFrameSize(int bytes) {
      return set(BrokerOption.MAX_FRAME_SIZE, bytes);
    }

    /**
     * The longest the gateway lets a call wait for its response (a CALL's own deadline may be
     * sooner). Default 30 s.
     */
    public Builder callTimeout(Duration timeout) {
      return set(BrokerOption.CALL_TIMEOUT, timeout);
    }

    /**
     * A service from which no frame arrived for this long is evicted. Default 90 s (three missed 30
     * s heartbeats).
     */
    public Builder staleServiceTimeout(Duration timeout) {
      return set(BrokerOption.STALE_SERVICE_TIMEOUT, timeout);
    }

    /**
     * Most calls one gateway connection may have in flight; 0 sets no count limit (the memory
     * budget, {@link #maxMemory(long)}, bounds what they hold). Env: {@code
     * BROKER_MAX_PENDING_CALLS}. Default 0.
     */
    public Builder maxPendingCallsPerConnection(int calls) {
      return set(BrokerOption.MAX_PENDING_CALLS, calls);
    }

    /**
     * Adds a custom action. Its requests pass the same checks as the built-in actions
     * (authentication, size limits, interceptors).
     *
     * @throws IllegalArgumentException if the name is empty or taken by a built-in action
     */
    public Builder action(String name, ActionHandler handler) {
      Objects.requireNonNull(handler, "handler");
      if (name == null || name.isEmpty()) {
        throw new IllegalArgumentException("an action needs a name");
      }
      if (BUILT_IN_ACTIONS.contains(name) || settings.actions.putIfAbsent(name, handler) != null) {
        throw new IllegalArgumentException("action '" + name + "' is already defined");
      }
      return this;
    }

    /**
     * The memory budget, in bytes, for everything clients make the broker hold: values, leases and
     * lease waiters, gateway registrations and calls in flight, unfinished requests and unsent
     * answers (Redis' {@code maxmemory}). Past it, writes are refused with {@code memory_limit}
     * before anything is copied (with {@link EvictionPolicy#LRU}, values are evicted first), while
     * reads, deletes, releases and stats go on. Env: {@code BROKER_MAX_MEMORY} (a size such as
     * {@code 512m}). Default: half the JVM's maximum heap (at most three quarters of its old
     * generation).
     */
    public Builder maxMemory(long bytes) {
      return set(BrokerOption.MAX_MEMORY, bytes);
    }

    /**
     * {@link #maxMemory(long)} as a size: bytes, or a number with {@code k}, {@code m} or {@code g}
     * (binary units), e.g. {@code "512m"}.
     *
     * @throws IllegalArgumentException if the text is no positive size
     */
    public Builder maxMemory(String size) {
      return option(BrokerOption.MAX_MEMORY, Objects.requireNonNull(size, "size"));
    }

    /**
     * With a secret, gateway services whose names match one of these patterns ({@code *} matches
     * any run of characters) may register without proving they hold it: the way to let Node {@code
     * ipc-bro} services, which cannot sign, onto a broker with a secret. Whoever can reach the
     * socket may then register those names. Env: {@code BROKER_ALLOW_UNSIGNED_SERVICES}
     * (comma-separated). Default: none.
     */
    public Builder allowUnsignedServices(String... namePatterns) {
      for (String p : namePatterns) {
        unsignedServices.add(Objects.requireNonNull(p, "namePattern"));
      }
      return set(BrokerOption.ALLOW_UNSIGNED_SERVICES, List.copyOf(unsignedServices));
    }

    /**
     * Which local users may connect. Env: {@code BROKER_PEER_ACCESS} (user, group, any). Default:
     * only the broker's user.
     */
    public Builder peerAccess(PeerAccess access) {
      return set(BrokerOption.PEER_ACCESS, access);
    }

    /**
     * Most open connections; more are refused. Env: {@code BROKER_MAX_CONNECTIONS}. Default 4096.
     */
    public Builder maxConnections(int connections) {
      return set(BrokerOption.MAX_CONNECTIONS, connections);
    }

    /**
     * Longest key in UTF-8 bytes; a longer one is refused with {@code too_large} naming the limit.
     * Env: {@code BROKER_MAX_KEY_LENGTH}. Default 4096.
     */
    public Builder maxKeyLength(int bytes) {
      return set(BrokerOption.MAX_KEY_LENGTH, bytes);
    }

    /**
     * Keeps values and leases in a shared store instead of this broker's memory, so brokers on
     * several hosts share them (e.g. a {@code RedisStore}). The broker opens the store on start
     * (failing the start if it cannot be reached) and closes it on stop. Default: memory.
     */
    public Builder store(io.ephemeral.broker.store.RemoteStore store) {
      settings.store = Objects.requireNonNull(store, "store");
      settings.set(BrokerOption.STORE, null);
      return this;
    }

    /**
     * Deepest JSON nesting in a request line, the request object counting as 1 (2 to 1000); deeper
     * lines get {@code invalid_json} naming the limit. Env: {@code BROKER_MAX_NESTING_DEPTH}.
     * Default 64.
     */
    public Builder maxNestingDepth(int depth) {
      return set(BrokerOption.MAX_NESTING_DEPTH, depth);
    }

    /**
     * Longest number in a request line, in characters (1 to 100,000); a longer one gets {@code
     * invalid_json} naming the limit. Env: {@code BROKER_MAX_NUMBER_LENGTH}. Default 1000.
     */
    public Builder maxNumberLength(int characters) {
      return set(BrokerOption.MAX_NUMBER_LENGTH, characters);
    }

    /**
     * Longest string or member name in a request line, in characters; a longer one gets {@code
     * invalid_json} naming the limit. Strings are bounded by {@code maxRequestSize} (and keys by
     * {@code maxKeyLength}, values by {@code maxValueSize}) as well; this one bounds every string,
     * wherever it sits. Env: {@code BROKER_MAX_STRING_LENGTH}. Default 20,000,000.
     */
    public Builder maxStringLength(int characters) {
      return set(BrokerOption.MAX_STRING_LENGTH, characters);
    }

    /**
     * Deepest nesting in a gateway frame body, JSON or MessagePack (2 to 1000); deeper frames get
     * an ERROR and are not forwarded. Env: {@code BROKER_MAX_FRAME_DEPTH}. Default 256.
     */
    public Builder maxFrameDepth(int depth) {
      return set(BrokerOption.MAX_FRAME_DEPTH, depth);
    }

    /**
     * Most lease requests waiting for a pool slot at once (all pools together); one more is
     * answered {@code pool_exhausted} naming the limit. 0 disables waiting. Env: {@code
     * BROKER_MAX_LEASE_WAITERS}. Default 1024.
     */
    public Builder maxLeaseWaiters(int waiters) {
      return set(BrokerOption.MAX_LEASE_WAITERS, waiters);
    }

    /**
     * Most unsent output bytes one connection may have (responses it has not read, calls and
     * responses forwarded to it); beyond that it is disconnected. At least 64 KiB; keep it above
     * {@code maxFrameSize} when services exchange large frames. Env: {@code
     * BROKER_MAX_OUTPUT_BUFFER}. Default 64 MiB.
     */
    public Builder maxOutputBuffer(int bytes) {
      return set(BrokerOption.MAX_OUTPUT_BUFFER, bytes);
    }

    /**
     * A connection is closed when a request it started sending (a partial line or frame) is not
     * complete after this long, or when its unsent output has not moved for this long. Env: {@code
     * BROKER_STALL_TIMEOUT} (ms). Default 30 s.
     */
    public Builder stallTimeout(Duration timeout) {
      return set(BrokerOption.STALL_TIMEOUT, timeout);
    }

    /**
     * Close a connection that sent nothing for this long (gateway services send heartbeats; KV
     * clients reconnect on demand). Env: {@code BROKER_CONNECTION_IDLE_TIMEOUT} (ms). Default off.
     */
    public Builder connectionIdleTimeout(Duration timeout) {
      return set(BrokerOption.CONNECTION_IDLE_TIMEOUT, timeout);
    }

    /**
     * Refuses replayed signed requests: every signed request must then carry {@code ts} (epoch
     * milliseconds) and {@code nonce} (a string) inside the signed payload, {@code ts} within
     * {@code window} of the broker's clock and the nonce not seen before. Needs a secret. Off by
     * default, so unmodified Node clients keep working. Env: {@code BROKER_REPLAY_WINDOW} (ms).
     */
    public Builder replayProtection(Duration window) {
      return set(BrokerOption.REPLAY_PROTECTION, window);
    }

    /**
     * Most nonces remembered for replay protection; while it is full, signed requests with new
     * nonces are refused ({@code replay_cache_full}) rather than the cache growing. Env: {@code
     * BROKER_REPLAY_CACHE_SIZE}. Default 100,000.
     */
    public Builder replayCacheSize(int nonces) {
      return set(BrokerOption.REPLAY_CACHE_SIZE, nonces);
    }

    /**
     * After a loop turn that handled input, keep polling the sockets without blocking for up to
     * this many microseconds before going to sleep in the selector, so that a client's next request
     * is picked up without a wake-up of the loop thread. Only a busy turn starts the window, so an
     * idle broker never spins; the spinning counts as the broker's CPU time. 0 turns it off. Env:
     * {@code BROKER_BUSY_POLL_MICROS}. Default 50.
     */
    public Builder busyPollMicros(int micros) {
      return set(BrokerOption.BUSY_POLL_MICROS, micros);
    }

    /**
     * The shared store by URI: {@code memory} (the default), or e.g. {@code
     * redis://host:6379/0?prefix=ci-42} with the {@code ephemeral-store-redis} module on the class
     * path. Env: {@code BROKER_STORE}. {@link #build()} reports a URI no store module understands.
     */
    public Builder store(String uri) {
      set(BrokerOption.STORE, uri);
      settings.store = null;
      return this;
    }

    /**
     * Sets an option from its text, as an environment variable, a command line or a POM gives it
     * (milliseconds for durations; {@code true}/{@code false} or 1/0; the names of {@link
     * BrokerOption#choices()}).
     *
     * @throws IllegalArgumentException naming the option when the text does not parse or is out of
     *     range
     */
    public Builder option(BrokerOption option, String text) {
      Object value;
      try {
        value = option.parse(text);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(option.optionName() + ": " + e.getMessage(), e);
      }
      settings.set(option, value);
      return this;
    }

    /** Adds an interceptor around every request (after the broker's own, in the order added). */
    public Builder intercept(Interceptor interceptor) {
      settings.interceptors.add(Objects.requireNonNull(interceptor, "interceptor"));
      return this;
    }

    /**
     * Computes missing keys matching {@code keyPattern} ({@code *} matches anything, e.g. {@code
     * "token:*"}) on demand; see {@link ValueProvider}. The first matching pattern wins.
     */
    public Builder provide(String keyPattern, ValueProvider provider) {
      settings.provide(
          Objects.requireNonNull(keyPattern, "keyPattern"),
          Objects.requireNonNull(provider, "provider"));
      return this;
    }

    /** Lets a plugin add its actions, providers and interceptors. */
    public Builder plugin(BrokerPlugin plugin) {
      plugin.configure(this);
      return this;
    }

    /** Receives gateway events (registrations, routed calls, errors). */
    public Builder gatewayListener(GatewayListener listener) {
      settings.gatewayListeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * @throws IllegalArgumentException naming the option or environment variable whose value is
     *     invalid
     */
    public Broker build() {
      return new Broker(Engine.create(this));
    }

    /** Sets a table option after checking it against its row. */
    private Builder set(BrokerOption option, Object value) {
      settings.set(option, option.check(value));
      return this;
    }
  }
}
