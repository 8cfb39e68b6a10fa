package io.ephemeral.broker.internal;

import io.ephemeral.broker.ActionHandler;
import io.ephemeral.broker.Broker;
import io.ephemeral.broker.Clock;
import io.ephemeral.broker.EvictionPolicy;
import io.ephemeral.broker.GatewayListener;
import io.ephemeral.broker.Interceptor;
import io.ephemeral.broker.PeerAccess;
import io.ephemeral.broker.ValueProvider;
import io.ephemeral.broker.store.RemoteStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * What a {@link Broker.Builder} was told, before the environment, the defaults and validation
 * ({@link BrokerConfig#resolve}): null for every option left unset.
 *
 * <p>Public, with public fields, only because the builder lives in the API package and fills it:
 * the one other public class of this package besides {@link Engine}. Resolving and validating stay
 * here, in {@link BrokerConfig}, which is not public.
 */
public final class BuilderSettings {
  private static volatile Function<Broker.Builder, BuilderSettings> ofBuilder;

  /** The value set by {@link Broker.Builder#debug}; null when unset. */
  public Boolean debug;

  /** The value set by {@link Broker.Builder#requireTtl}; null when unset. */
  public Boolean requireTtl;

  /** The value set by {@link Broker.Builder#defaultTtl}; null when unset. */
  public Duration defaultTtl;

  /** The value set by {@link Broker.Builder#maxItems}; null when unset. */
  public Integer maxItems;

  /** The value set by {@link Broker.Builder#maxRequestSize}; null when unset. */
  public Integer maxRequestSize;

  /** The value set by {@link Broker.Builder#maxValueSize}; null when unset. */
  public Integer maxValueSize;

  /** The value set by {@link Broker.Builder#secret}; null when unset. */
  public String secret;

  /** The value set by {@link Broker.Builder#compression}; null when unset. */
  public Boolean compression;

  /** The value set by {@link Broker.Builder#compressionThreshold}; null when unset. */
  public Integer compressionThreshold;

  /** The value set by {@link Broker.Builder#sweeperInterval}; null when unset. */
  public Duration sweeperInterval;

  /** The value set by {@link Broker.Builder#idleTimeout}; null when unset. */
  public Duration idleTimeout;

  /** The value set by {@link Broker.Builder#heartbeatInterval}; null when unset. */
  public Duration heartbeatInterval;

  String logLevel;

  /** The value set by {@link Broker.Builder#structuredLogging}; null when unset. */
  public Boolean structuredLogging;

  /** The value set by {@link Broker.Builder#metrics}; null when unset. */
  public Boolean metrics;

  /** The value set by {@link Broker.Builder#pipeId}; null when unset. */
  public String pipeId;

  /** The value set by {@link Broker.Builder#refreshTtlOnGet}; null when unset. */
  public Boolean refreshTtlOnGet;

  /** The value set by {@link Broker.Builder#evictionPolicy}; null when unset. */
  public EvictionPolicy evictionPolicy;

  /** The value set by {@link Broker.Builder#socketPath}; null when unset. */
  public Path socketPath;

  /** The value set by {@link Broker.Builder#clock}; null when unset. */
  public Clock clock;

  /** The value set by {@link Broker.Builder#shutdownHook}; true when unset. */
  public boolean shutdownHook = true;

  /** The value set by {@link Broker.Builder#environment}; the process's when unset. */
  public Map<String, String> environment = System.getenv();

  /** The value set by {@link Broker.Builder#maxFrameSize}; null when unset. */
  public Integer maxFrameSize;

  /** The value set by {@link Broker.Builder#callTimeout}; null when unset. */
  public Duration callTimeout;

  /** The value set by {@link Broker.Builder#staleServiceTimeout}; null when unset. */
  public Duration staleServiceTimeout;

  /** The value set by {@link Broker.Builder#maxPendingCallsPerConnection}; null when unset. */
  public Integer maxPendingCallsPerConnection;

  /** What was added with {@link Broker.Builder#gatewayListener}. */
  public final List<GatewayListener> gatewayListeners = new ArrayList<>();

  /** What was added with {@link Broker.Builder#intercept}. */
  public final List<Interceptor> interceptors = new ArrayList<>();

  /** What was added with {@link Broker.Builder#action}. */
  public final Map<String, ActionHandler> actions = new LinkedHashMap<>();

  final List<BrokerConfig.ProviderEntry> providers = new ArrayList<>();

  /** The value set by {@link Broker.Builder#peerAccess}; null when unset. */
  public PeerAccess peerAccess;

  /** The value set by {@link Broker.Builder#maxConnections}; null when unset. */
  public Integer maxConnections;

  /** The value set by {@link Broker.Builder#maxKeyLength}; null when unset. */
  public Integer maxKeyLength;

  /** The value set by {@link Broker.Builder#maxNestingDepth}; null when unset. */
  public Integer maxNestingDepth;

  /** The value set by {@link Broker.Builder#maxNumberLength}; null when unset. */
  public Integer maxNumberLength;

  /** The value set by {@link Broker.Builder#maxStringLength}; null when unset. */
  public Integer maxStringLength;

  /** The value set by {@link Broker.Builder#maxFrameDepth}; null when unset. */
  public Integer maxFrameDepth;

  /** The value set by {@link Broker.Builder#maxLeaseWaiters}; null when unset. */
  public Integer maxLeaseWaiters;

  /** The value set by {@link Broker.Builder#maxOutputBuffer}; null when unset. */
  public Integer maxOutputBuffer;

  /** The value set by {@link Broker.Builder#stallTimeout}; null when unset. */
  public Duration stallTimeout;

  /** The value set by {@link Broker.Builder#connectionIdleTimeout}; null when unset. */
  public Duration connectionIdleTimeout;

  /** The value set by {@link Broker.Builder#replayProtection}; null when unset. */
  public Duration replayWindow;

  /** The value set by {@link Broker.Builder#replayCacheSize}; null when unset. */
  public Integer replayCacheSize;

  /** The value set by {@link Broker.Builder#busyPollMicros}; null when unset. */
  public Integer busyPollMicros;

  /** The value set by {@link Broker.Builder#store(RemoteStore)}; null when unset. */
  public RemoteStore store;

  /** The value set by {@link Broker.Builder#store(String)}; null when unset. */
  public String storeUri;

  /** The value set by {@link Broker.Builder#maxMemory}; null when unset. */
  public Long maxMemory;

  /** What was added with {@link Broker.Builder#allowUnsignedServices}. */
  public final List<String> unsignedServices = new ArrayList<>();

  /**
   * Sets the memory budget from a size such as {@code 512m} or {@code 2g}.
   *
   * @throws IllegalArgumentException if the text is no positive size
   */
  public void maxMemory(String size) {
    this.maxMemory = MemoryBudget.parseSize(size, "maxMemory");
  }

  /**
   * Sets the log level by name.
   *
   * @throws IllegalArgumentException if it is none of debug, info, warn or error
   */
  public void logLevel(String level) {
    BrokerConfig.LogLevel.parse(level);
    this.logLevel = level;
  }

  /** Adds a value provider for the keys matching a pattern ({@code *} matches anything). */
  public void provide(String keyPattern, ValueProvider provider) {
    providers.add(BrokerConfig.ProviderEntry.of(keyPattern, provider));
  }

  /**
   * Tells the engine how to read the settings of a builder it is handed ({@link Engine#create},
   * {@link BrokerConfig#resolve}): called once, by {@code Broker.Builder}'s class initializer, so
   * before any builder exists.
   *
   * @throws IllegalStateException when called again
   */
  public static synchronized void readBuildersWith(
      Function<Broker.Builder, BuilderSettings> reader) {
    if (ofBuilder != null) {
      throw new IllegalStateException("the builders' settings are read already");
    }
    ofBuilder = reader;
  }

  /** The settings a builder holds. */
  static BuilderSettings of(Broker.Builder builder) {
    return ofBuilder.apply(builder);
  }
}
