package io.ephemeral.broker.internal;

import io.ephemeral.broker.ActionHandler;
import io.ephemeral.broker.Broker;
import io.ephemeral.broker.BrokerOption;
import io.ephemeral.broker.Clock;
import io.ephemeral.broker.EvictionPolicy;
import io.ephemeral.broker.GatewayListener;
import io.ephemeral.broker.Interceptor;
import io.ephemeral.broker.PeerAccess;
import io.ephemeral.broker.ValueProvider;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

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

  /** Longest number accepted in a request line or JSON frame (Jackson's default, made explicit). */
  static final int MAX_NUMBER_LENGTH = (Integer) BrokerOption.MAX_NUMBER_LENGTH.defaultValue();

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

  /**
   * Resolves a builder against the environment: each option is the builder's value, else its {@code
   * BROKER_*} variable's (checked by its row, the message naming the variable), else its default;
   * then the checks that span options.
   */
  static BrokerConfig resolve(Broker.Builder builder) {
    BuilderSettings b = BuilderSettings.of(builder);
    Options o = new Options(b);
    boolean debug = o.bool(BrokerOption.DEBUG);
    String level = (String) o.value(BrokerOption.LOG_LEVEL);
    String secret = (String) o.value(BrokerOption.SECRET);
    if (secret != null && secret.isEmpty()) {
      secret = null;
    }
    BrokerConfig config =
        new BrokerConfig(
            debug,
            o.bool(BrokerOption.REQUIRE_TTL),
            o.millis(BrokerOption.DEFAULT_TTL),
            o.integer(BrokerOption.MAX_ITEMS),
            o.integer(BrokerOption.MAX_REQUEST_SIZE),
            o.integer(BrokerOption.MAX_VALUE_SIZE),
            secret,
            o.bool(BrokerOption.COMPRESSION),
            o.integer(BrokerOption.COMPRESSION_THRESHOLD),
            o.millis(BrokerOption.SWEEPER_INTERVAL),
            o.millis(BrokerOption.IDLE_TIMEOUT),
            o.millis(BrokerOption.HEARTBEAT_INTERVAL),
            level != null ? LogLevel.parse(level) : debug ? LogLevel.DEBUG : LogLevel.INFO,
            o.bool(BrokerOption.STRUCTURED_LOGGING),
            o.bool(BrokerOption.METRICS),
            (String) o.value(BrokerOption.PIPE_ID),
            o.bool(BrokerOption.REFRESH_TTL_ON_GET),
            (EvictionPolicy) o.value(BrokerOption.EVICTION_POLICY),
            b.socketPath,
            b.clock != null ? b.clock : Clock.system(),
            b.shutdownHook,
            b.environment,
            o.integer(BrokerOption.MAX_FRAME_SIZE),
            o.millis(BrokerOption.CALL_TIMEOUT),
            o.millis(BrokerOption.STALE_SERVICE_TIMEOUT),
            o.integer(BrokerOption.MAX_PENDING_CALLS),
            java.util.List.copyOf(b.gatewayListeners),
            java.util.List.copyOf(b.interceptors),
            Map.copyOf(b.actions),
            java.util.List.copyOf(b.providers),
            (PeerAccess) o.value(BrokerOption.PEER_ACCESS),
            o.integer(BrokerOption.MAX_CONNECTIONS),
            o.integer(BrokerOption.MAX_KEY_LENGTH),
            o.integer(BrokerOption.MAX_NESTING_DEPTH),
            o.integer(BrokerOption.MAX_NUMBER_LENGTH),
            o.integer(BrokerOption.MAX_STRING_LENGTH),
            o.integer(BrokerOption.MAX_FRAME_DEPTH),
            o.integer(BrokerOption.MAX_LEASE_WAITERS),
            o.integer(BrokerOption.MAX_OUTPUT_BUFFER),
            o.millis(BrokerOption.STALL_TIMEOUT),
            o.millis(BrokerOption.CONNECTION_IDLE_TIMEOUT),
            o.millis(BrokerOption.REPLAY_PROTECTION),
            o.integer(BrokerOption.REPLAY_CACHE_SIZE),
            o.integer(BrokerOption.BUSY_POLL_MICROS),
            store(b, o),
            unsignedServices(o),
            maxMemory(o));
    config.validate();
    return config;
  }

  /** The name patterns of the gateway services that may register without the secret's proof. */
  @SuppressWarnings("unchecked")
  private static java.util.List<java.util.regex.Pattern> unsignedServices(Options o) {
    java.util.List<java.util.regex.Pattern> patterns = new java.util.ArrayList<>();
    for (String name : (java.util.List<String>) o.value(BrokerOption.ALLOW_UNSIGNED_SERVICES)) {
      patterns.add(glob(name));
    }
    return java.util.List.copyOf(patterns);
  }

  /** The memory budget set, else the default share of the heap. */
  private static long maxMemory(Options o) {
    Long set = (Long) o.value(BrokerOption.MAX_MEMORY);
    return set != null ? set : MemoryBudget.defaultMax();
  }

  /** The builder's store, else the one its URI names (null: memory). */
  private static io.ephemeral.broker.store.RemoteStore store(BuilderSettings b, Options o) {
    if (b.store != null) {
      return b.store;
    }
    String uri = (String) o.value(BrokerOption.STORE);
    if (uri == null) {
      return null;
    }
    try {
      return io.ephemeral.broker.store.StoreProvider.forUri(uri, b.environment);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          (b.get(BrokerOption.STORE) != null
                  ? "store: "
                  : "environment variable " + BrokerOption.STORE.environmentVariable() + ": ")
              + e.getMessage(),
          e);
    }
  }

  /** The checks that span options (each option alone was checked by its row). */
  private void validate() {
    require(
        replayWindowMillis == 0 || secret != null,
        "replay protection needs a secret: only signed requests carry a protected timestamp and nonce");
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

  /** Each option's value: the builder's, else its environment variable's, else its default. */
  private static final class Options {
    private final BuilderSettings b;

    Options(BuilderSettings b) {
      this.b = b;
    }

    Object value(BrokerOption option) {
      Object set = b.get(option);
      if (set != null) {
        return set;
      }
      String text = b.environment.get(option.environmentVariable());
      if (text == null || text.isBlank()) {
        return option.defaultValue();
      }
      try {
        return option.parse(text);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "environment variable " + option.environmentVariable() + ": " + e.getMessage(), e);
      }
    }

    boolean bool(BrokerOption option) {
      return (Boolean) value(option);
    }

    int integer(BrokerOption option) {
      return (Integer) value(option);
    }

    long millis(BrokerOption option) {
      return (Long) value(option);
    }
  }
}
