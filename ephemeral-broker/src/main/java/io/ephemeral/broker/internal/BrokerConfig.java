package io.ephemeral.broker.internal;

import io.ephemeral.broker.ActionHandler;
import io.ephemeral.broker.Broker;
import io.ephemeral.broker.Clock;
import io.ephemeral.broker.EvictionPolicy;
import io.ephemeral.broker.GatewayListener;
import io.ephemeral.broker.Interceptor;
import io.ephemeral.broker.PeerAccess;
import io.ephemeral.broker.ValueProvider;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The broker's resolved settings: for each option, the explicit builder value, else the {@code
 * BROKER_*} environment variable, else the documented default. Validated once, immutable
 * afterwards.
 */
record BrokerConfig(
    boolean debug,
    boolean requireTtl,
    long defaultTtlMillis,
    int maxItems,
    int maxRequestSize,
    int maxValueSize,
    String secret,
    boolean compression,
    int compressionThreshold,
    long sweeperIntervalMillis,
    long idleTimeoutMillis,
    long heartbeatIntervalMillis,
    LogLevel logLevel,
    boolean structuredLogging,
    boolean metrics,
    String pipeId,
    boolean refreshTtlOnGet,
    EvictionPolicy evictionPolicy,
    Path socketPath,
    Clock clock,
    boolean shutdownHook,
    Map<String, String> environment,
    int maxFrameSize,
    long callTimeoutMillis,
    long staleServiceTimeoutMillis,
    int maxPendingCallsPerConnection,
    java.util.List<GatewayListener> gatewayListeners,
    java.util.List<Interceptor> interceptors,
    Map<String, ActionHandler> actions,
    java.util.List<ProviderEntry> providers,
    PeerAccess peerAccess,
    int maxConnections,
    int maxKeyLength,
    int maxNestingDepth,
    int maxNumberLength,
    int maxStringLength,
    int maxFrameDepth,
    int maxLeaseWaiters,
    int maxOutputBuffer,
    long stallTimeoutMillis,
    long connectionIdleTimeoutMillis,
    long replayWindowMillis,
    int replayCacheSize,
    int busyPollMicros,
    io.ephemeral.broker.store.RemoteStore store,
    java.util.List<java.util.regex.Pattern> unsignedServices,
    long maxMemory) {

  /** A value provider and the key pattern it serves ({@code *} matches any run of characters). */
  record ProviderEntry(String pattern, java.util.regex.Pattern regex, ValueProvider provider) {
    static ProviderEntry of(String glob, ValueProvider provider) {
      return new ProviderEntry(glob, glob(glob), provider);
    }

    boolean matches(String key) {
      return regex.matcher(key).matches();
    }
  }

  /** A name pattern: {@code *} matches any run of characters, everything else itself. */
  static java.util.regex.Pattern glob(String glob) {
    StringBuilder re = new StringBuilder();
    for (String part : glob.split("\\*", -1)) {
      if (re.length() > 0) {
        re.append(".*");
      }
      re.append(java.util.regex.Pattern.quote(part));
    }
    return java.util.regex.Pattern.compile(re.toString(), java.util.regex.Pattern.DOTALL);
  }

  /** Whether a gateway service may register without proving it holds the secret. */
  boolean mayRegisterUnsigned(String service) {
    for (java.util.regex.Pattern p : unsignedServices) {
      if (p.matcher(service).matches()) {
        return true;
      }
    }
    return false;
  }

  static final long DEFAULT_TTL_MILLIS = 1_800_000;
  static final int DEFAULT_MAX_ITEMS = 10_000;
  static final int DEFAULT_MAX_REQUEST_SIZE = 1_048_576;
  static final int DEFAULT_MAX_VALUE_SIZE = 262_144;
  static final int DEFAULT_COMPRESSION_THRESHOLD = 1024;
  static final long DEFAULT_SWEEPER_INTERVAL_MILLIS = 30_000;
  static final int DEFAULT_MAX_FRAME_SIZE = 16 * 1024 * 1024;
  static final long DEFAULT_CALL_TIMEOUT_MILLIS = 30_000;
  static final long DEFAULT_STALE_SERVICE_TIMEOUT_MILLIS = 90_000;

  /** No count limit: the memory budget bounds what calls in flight hold. */
  static final int DEFAULT_MAX_PENDING_CALLS = 0;

  static final int DEFAULT_MAX_CONNECTIONS = 4096;
  static final int DEFAULT_MAX_KEY_LENGTH = 4096;
  static final int DEFAULT_MAX_NESTING_DEPTH = 64;

  /** Jackson's default, made explicit (also the HMAC canonicaliser's fixed limit). */
  static final int DEFAULT_MAX_NUMBER_LENGTH = 1000;

  /**
   * Jackson's default, made explicit: in practice a string is bounded by the request line first.
   */
  static final int DEFAULT_MAX_STRING_LENGTH = 20_000_000;

  /** Longest number length that can be configured. */
  static final int MAX_MAX_NUMBER_LENGTH = 100_000;

  static final int DEFAULT_MAX_FRAME_DEPTH = 256;
  static final int DEFAULT_MAX_LEASE_WAITERS = 1024;
  static final int DEFAULT_MAX_OUTPUT_BUFFER = 64 << 20;
  static final long DEFAULT_STALL_TIMEOUT_MILLIS = 30_000;
  static final int DEFAULT_REPLAY_CACHE_SIZE = 100_000;

  /** Deepest nesting accepted anywhere: Jackson's own default, and well inside the thread stack. */
  static final int MAX_NESTING_DEPTH = 1000;

  /** Longest number accepted in a request line or JSON frame (Jackson's default, made explicit). */
  static final int MAX_NUMBER_LENGTH = 1000;

  /** Smallest output limit: room for a few ordinary responses. */
  static final int MIN_OUTPUT_BUFFER = 64 * 1024;

  static final int DEFAULT_BUSY_POLL_MICROS = 50;

  /** Longest accepted busy-poll window: 10 ms. */
  static final int MAX_BUSY_POLL_MICROS = 10_000;

  /** Smallest accepted request line limit: a request must at least fit its action. */
  static final int MIN_REQUEST_SIZE = 64;

  private static final Pattern PIPE_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  /** Log levels the broker filters on before handing a line to SLF4J. */
  enum LogLevel {
    DEBUG,
    INFO,
    WARN,
    ERROR;

    static LogLevel parse(String text) {
      try {
        return valueOf(text.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "unknown log level '" + text + "' (expected debug, info, warn or error)");
      }
    }
  }

  /** Resolves a builder against the environment. */
  static BrokerConfig resolve(Broker.Builder builder) {
    BuilderSettings b = BuilderSettings.of(builder);
    Env env = new Env(b.environment);
    boolean debug = first(b.debug, env.bool("BROKER_DEBUG"), false);
    LogLevel level =
        b.logLevel != null
            ? LogLevel.parse(b.logLevel)
            : env.text("BROKER_LOG_LEVEL") != null
                ? LogLevel.parse(env.text("BROKER_LOG_LEVEL"))
                : (debug ? LogLevel.DEBUG : LogLevel.INFO);
    String secret = b.secret != null ? b.secret : env.text("BROKER_SECRET");
    if (secret != null && secret.isEmpty()) {
      secret = null;
    }
    String pipeId = b.pipeId;
    if (pipeId != null && !PIPE_ID.matcher(pipeId).matches()) {
      throw new IllegalArgumentException(
          "pipeId '" + pipeId + "' must be 1-64 characters of letters, digits, '.', '_' or '-'");
    }
    BrokerConfig config =
        new BrokerConfig(
            debug,
            first(b.requireTtl, env.bool("BROKER_REQUIRE_TTL"), true),
            first(millis(b.defaultTtl), env.positiveLong("BROKER_DEFAULT_TTL"), DEFAULT_TTL_MILLIS),
            first(b.maxItems, env.nonNegativeInt("BROKER_MAX_ITEMS"), DEFAULT_MAX_ITEMS),
            first(
                b.maxRequestSize,
                env.nonNegativeInt("BROKER_MAX_REQUEST_SIZE"),
                DEFAULT_MAX_REQUEST_SIZE),
            first(
                b.maxValueSize,
                env.nonNegativeInt("BROKER_MAX_VALUE_SIZE"),
                DEFAULT_MAX_VALUE_SIZE),
            secret,
            first(b.compression, env.bool("BROKER_COMPRESSION"), true),
            first(
                b.compressionThreshold,
                env.nonNegativeInt("BROKER_COMPRESSION_THRESHOLD"),
                DEFAULT_COMPRESSION_THRESHOLD),
            first(
                millis(b.sweeperInterval),
                env.positiveLong("BROKER_SWEEPER_INTERVAL"),
                DEFAULT_SWEEPER_INTERVAL_MILLIS),
            first(millis(b.idleTimeout), env.positiveLong("BROKER_IDLE_TIMEOUT"), 0L),
            first(millis(b.heartbeatInterval), env.positiveLong("BROKER_HEARTBEAT_INTERVAL"), 0L),
            level,
            first(b.structuredLogging, env.bool("BROKER_STRUCTURED_LOGGING"), false),
            first(b.metrics, env.bool("BROKER_METRICS"), true),
            pipeId,
            first(b.refreshTtlOnGet, env.bool("BROKER_REFRESH_TTL_ON_GET"), false),
            b.evictionPolicy != null
                ? b.evictionPolicy
                : env.text("BROKER_EVICTION_POLICY") != null
                    ? parseEvictionPolicy(env.text("BROKER_EVICTION_POLICY"))
                    : EvictionPolicy.REJECT,
            b.socketPath,
            b.clock != null ? b.clock : Clock.system(),
            b.shutdownHook,
            b.environment,
            first(
                b.maxFrameSize,
                env.nonNegativeInt("BROKER_MAX_FRAME_SIZE"),
                DEFAULT_MAX_FRAME_SIZE),
            b.callTimeout != null ? b.callTimeout.toMillis() : DEFAULT_CALL_TIMEOUT_MILLIS,
            b.staleServiceTimeout != null
                ? b.staleServiceTimeout.toMillis()
                : DEFAULT_STALE_SERVICE_TIMEOUT_MILLIS,
            first(
                b.maxPendingCallsPerConnection,
                env.nonNegativeInt("BROKER_MAX_PENDING_CALLS"),
                DEFAULT_MAX_PENDING_CALLS),
            java.util.List.copyOf(b.gatewayListeners),
            java.util.List.copyOf(b.interceptors),
            Map.copyOf(b.actions),
            java.util.List.copyOf(b.providers),
            b.peerAccess != null
                ? b.peerAccess
                : env.text("BROKER_PEER_ACCESS") != null
                    ? parsePeerAccess(env.text("BROKER_PEER_ACCESS"))
                    : PeerAccess.SAME_USER,
            first(
                b.maxConnections,
                env.nonNegativeInt("BROKER_MAX_CONNECTIONS"),
                DEFAULT_MAX_CONNECTIONS),
            first(
                b.maxKeyLength,
                env.nonNegativeInt("BROKER_MAX_KEY_LENGTH"),
                DEFAULT_MAX_KEY_LENGTH),
            first(
                b.maxNestingDepth,
                env.nonNegativeInt("BROKER_MAX_NESTING_DEPTH"),
                DEFAULT_MAX_NESTING_DEPTH),
            first(
                b.maxNumberLength,
                env.nonNegativeInt("BROKER_MAX_NUMBER_LENGTH"),
                DEFAULT_MAX_NUMBER_LENGTH),
            first(
                b.maxStringLength,
                env.nonNegativeInt("BROKER_MAX_STRING_LENGTH"),
                DEFAULT_MAX_STRING_LENGTH),
            first(
                b.maxFrameDepth,
                env.nonNegativeInt("BROKER_MAX_FRAME_DEPTH"),
                DEFAULT_MAX_FRAME_DEPTH),
            first(
                b.maxLeaseWaiters,
                env.nonNegativeInt("BROKER_MAX_LEASE_WAITERS"),
                DEFAULT_MAX_LEASE_WAITERS),
            first(
                b.maxOutputBuffer,
                env.nonNegativeInt("BROKER_MAX_OUTPUT_BUFFER"),
                DEFAULT_MAX_OUTPUT_BUFFER),
            first(
                millis(b.stallTimeout),
                env.positiveLong("BROKER_STALL_TIMEOUT"),
                DEFAULT_STALL_TIMEOUT_MILLIS),
            first(
                millis(b.connectionIdleTimeout),
                env.positiveLong("BROKER_CONNECTION_IDLE_TIMEOUT"),
                0L),
            first(millis(b.replayWindow), env.positiveLong("BROKER_REPLAY_WINDOW"), 0L),
            first(
                b.replayCacheSize,
                env.nonNegativeInt("BROKER_REPLAY_CACHE_SIZE"),
                DEFAULT_REPLAY_CACHE_SIZE),
            first(
                b.busyPollMicros,
                env.nonNegativeInt("BROKER_BUSY_POLL_MICROS"),
                DEFAULT_BUSY_POLL_MICROS),
            store(b, env),
            unsignedServices(b, env),
            b.maxMemory != null
                ? b.maxMemory
                : env.text("BROKER_MAX_MEMORY") != null
                    ? MemoryBudget.parseSize(
                        env.text("BROKER_MAX_MEMORY"), "environment variable BROKER_MAX_MEMORY")
                    : MemoryBudget.defaultMax());
    config.validate();
    return config;
  }

  /**
   * The builder's unsigned service patterns, else those of BROKER_ALLOW_UNSIGNED_SERVICES
   * (comma-separated).
   */
  private static java.util.List<java.util.regex.Pattern> unsignedServices(
      BuilderSettings b, Env env) {
    java.util.List<String> names = b.unsignedServices;
    String fromEnv = env.text("BROKER_ALLOW_UNSIGNED_SERVICES");
    if (names.isEmpty() && fromEnv != null) {
      names = java.util.Arrays.asList(fromEnv.split(","));
    }
    java.util.List<java.util.regex.Pattern> patterns = new java.util.ArrayList<>();
    for (String name : names) {
      if (!name.isBlank()) {
        patterns.add(glob(name.trim()));
      }
    }
    return java.util.List.copyOf(patterns);
  }

  /** The builder's store, else the one BROKER_STORE names (null: memory). */
  private static io.ephemeral.broker.store.RemoteStore store(BuilderSettings b, Env env) {
    if (b.store != null) {
      return b.store;
    }
    String uri = b.storeUri != null ? b.storeUri : env.text("BROKER_STORE");
    if (uri == null) {
      return null;
    }
    try {
      return io.ephemeral.broker.store.StoreProvider.forUri(uri, b.environment);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          (b.storeUri != null ? "store: " : "environment variable BROKER_STORE: ") + e.getMessage(),
          e);
    }
  }

  private static EvictionPolicy parseEvictionPolicy(String text) {
    switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "reject":
        return EvictionPolicy.REJECT;
      case "lru":
        return EvictionPolicy.LRU;
      default:
        throw new IllegalArgumentException(
            "unknown eviction policy '" + text + "' (expected reject or lru)");
    }
  }

  private static PeerAccess parsePeerAccess(String text) {
    switch (text.trim().toLowerCase(Locale.ROOT).replace('-', '_')) {
      case "same_user":
      case "user":
        return PeerAccess.SAME_USER;
      case "same_group":
      case "group":
        return PeerAccess.SAME_GROUP;
      case "any":
        return PeerAccess.ANY;
      default:
        throw new IllegalArgumentException(
            "unknown peer access '" + text + "' (expected user, group or any)");
    }
  }

  private void validate() {
    require(defaultTtlMillis > 0, "defaultTTL must be positive, got " + defaultTtlMillis);
    require(maxItems >= 0, "maxItems must be 0 (unlimited) or positive, got " + maxItems);
    require(
        maxRequestSize >= MIN_REQUEST_SIZE,
        "maxRequestSize must be at least " + MIN_REQUEST_SIZE + " bytes, got " + maxRequestSize);
    require(maxValueSize > 0, "maxValueSize must be positive, got " + maxValueSize);
    require(
        sweeperIntervalMillis > 0,
        "sweeperInterval must be positive, got " + sweeperIntervalMillis);
    require(idleTimeoutMillis >= 0, "idleTimeout must be positive, got " + idleTimeoutMillis);
    require(
        heartbeatIntervalMillis >= 0,
        "heartbeatInterval must be positive, got " + heartbeatIntervalMillis);
    require(compressionThreshold >= 0, "compressionThreshold must not be negative");
    require(maxFrameSize >= 64, "maxFrameSize must be at least 64 bytes, got " + maxFrameSize);
    require(callTimeoutMillis > 0, "callTimeout must be positive");
    require(staleServiceTimeoutMillis > 0, "staleServiceTimeout must be positive");
    require(
        maxPendingCallsPerConnection >= 0,
        "maxPendingCallsPerConnection must be 0 (no count limit) or positive");
    require(maxMemory > 0, "maxMemory must be positive, got " + maxMemory);
    require(maxConnections > 0, "maxConnections must be positive, got " + maxConnections);
    require(maxKeyLength > 0, "maxKeyLength must be positive, got " + maxKeyLength);
    require(
        maxNestingDepth >= 2 && maxNestingDepth <= MAX_NESTING_DEPTH,
        "maxNestingDepth must be from 2 to " + MAX_NESTING_DEPTH + ", got " + maxNestingDepth);
    require(
        maxNumberLength >= 1 && maxNumberLength <= MAX_MAX_NUMBER_LENGTH,
        "maxNumberLength must be from 1 to " + MAX_MAX_NUMBER_LENGTH + ", got " + maxNumberLength);
    require(maxStringLength >= 1, "maxStringLength must be positive, got " + maxStringLength);
    require(
        maxFrameDepth >= 2 && maxFrameDepth <= MAX_NESTING_DEPTH,
        "maxFrameDepth must be from 2 to " + MAX_NESTING_DEPTH + ", got " + maxFrameDepth);
    require(
        maxLeaseWaiters >= 0,
        "maxLeaseWaiters must be 0 (no waiting) or positive, got " + maxLeaseWaiters);
    require(
        maxOutputBuffer >= MIN_OUTPUT_BUFFER,
        "maxOutputBuffer must be at least " + MIN_OUTPUT_BUFFER + " bytes, got " + maxOutputBuffer);
    require(stallTimeoutMillis > 0, "stallTimeout must be positive, got " + stallTimeoutMillis);
    require(
        connectionIdleTimeoutMillis >= 0,
        "connectionIdleTimeout must be positive, got " + connectionIdleTimeoutMillis);
    require(
        replayWindowMillis >= 0,
        "replayProtection window must be positive, got " + replayWindowMillis);
    require(replayCacheSize > 0, "replayCacheSize must be positive, got " + replayCacheSize);
    require(
        replayWindowMillis == 0 || secret != null,
        "replay protection needs a secret: only signed requests carry a protected timestamp and nonce");
    require(
        busyPollMicros >= 0 && busyPollMicros <= MAX_BUSY_POLL_MICROS,
        "busyPollMicros must be between 0 (off) and "
            + MAX_BUSY_POLL_MICROS
            + ", got "
            + busyPollMicros);
    require(
        store == null || providers.isEmpty(),
        "value providers work only with the memory store, not with "
            + (store == null ? "" : store.describe()));
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }

  private static Long millis(Duration d) {
    if (d == null) {
      return null;
    }
    return d.toMillis();
  }

  private static <T> T first(T explicit, T fromEnv, T fallback) {
    if (explicit != null) {
      return explicit;
    }
    return fromEnv != null ? fromEnv : fallback;
  }

  @Override
  public String toString() {
    // Never print the secret.
    return "BrokerConfig[requireTtl="
        + requireTtl
        + ", defaultTtl="
        + defaultTtlMillis
        + "ms, maxItems="
        + maxItems
        + ", maxRequestSize="
        + maxRequestSize
        + ", maxValueSize="
        + maxValueSize
        + ", auth="
        + (secret != null)
        + ", sweeperInterval="
        + sweeperIntervalMillis
        + "ms, eviction="
        + evictionPolicy
        + ", maxConnections="
        + maxConnections
        + ", maxKeyLength="
        + maxKeyLength
        + ", maxNestingDepth="
        + maxNestingDepth
        + ", maxOutputBuffer="
        + maxOutputBuffer
        + ", stallTimeout="
        + stallTimeoutMillis
        + "ms"
        + ", replayWindow="
        + replayWindowMillis
        + "ms"
        + ", store="
        + (store == null ? "memory" : store.describe())
        + "]";
  }

  /**
   * Strict parsing of {@code BROKER_*} variables: a value that does not parse is an error, never
   * NaN.
   */
  private static final class Env {
    private final Map<String, String> vars;

    Env(Map<String, String> vars) {
      this.vars = vars;
    }

    String text(String name) {
      String v = vars.get(name);
      return v == null || v.isBlank() ? null : v;
    }

    Boolean bool(String name) {
      String v = text(name);
      if (v == null) {
        return null;
      }
      switch (v.trim().toLowerCase(Locale.ROOT)) {
        case "true":
        case "1":
        case "yes":
        case "on":
          return true;
        case "false":
        case "0":
        case "no":
        case "off":
          return false;
        default:
          throw new IllegalArgumentException(
              "environment variable "
                  + name
                  + "='"
                  + v
                  + "' is not a boolean (use true/false or 1/0)");
      }
    }

    Long positiveLong(String name) {
      String v = text(name);
      if (v == null) {
        return null;
      }
      long parsed = parseLong(name, v);
      if (parsed <= 0) {
        throw new IllegalArgumentException(
            "environment variable "
                + name
                + "='"
                + v
                + "' must be a positive number of milliseconds");
      }
      return parsed;
    }

    Integer nonNegativeInt(String name) {
      String v = text(name);
      if (v == null) {
        return null;
      }
      long parsed = parseLong(name, v);
      if (parsed < 0 || parsed > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "environment variable "
                + name
                + "='"
                + v
                + "' must be between 0 and "
                + Integer.MAX_VALUE);
      }
      return (int) parsed;
    }

    private static long parseLong(String name, String v) {
      try {
        return Long.parseLong(v.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "environment variable " + name + "='" + v + "' is not an integer");
      }
    }
  }
}
