package io.ephemeral.broker;

import io.ephemeral.broker.store.RemoteStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a {@link Broker.Builder} was told, before the environment, the defaults and validation
 * ({@link BrokerConfig#resolve}): null for every option left unset.
 */
final class BuilderSettings {
  Boolean debug;
  Boolean requireTtl;
  Duration defaultTtl;
  Integer maxItems;
  Integer maxRequestSize;
  Integer maxValueSize;
  String secret;
  Boolean compression;
  Integer compressionThreshold;
  Duration sweeperInterval;
  Duration idleTimeout;
  Duration heartbeatInterval;
  String logLevel;
  Boolean structuredLogging;
  Boolean metrics;
  String pipeId;
  Boolean refreshTtlOnGet;
  EvictionPolicy evictionPolicy;
  Path socketPath;
  Clock clock;
  boolean shutdownHook = true;
  Map<String, String> environment = System.getenv();
  Integer maxFrameSize;
  Duration callTimeout;
  Duration staleServiceTimeout;
  Integer maxPendingCallsPerConnection;
  final List<GatewayListener> gatewayListeners = new ArrayList<>();
  final List<Interceptor> interceptors = new ArrayList<>();
  final Map<String, ActionHandler> actions = new LinkedHashMap<>();
  final List<BrokerConfig.ProviderEntry> providers = new ArrayList<>();
  PeerAccess peerAccess;
  Integer maxConnections;
  Integer maxKeyLength;
  Integer maxNestingDepth;
  Integer maxNumberLength;
  Integer maxStringLength;
  Integer maxFrameDepth;
  Integer maxLeaseWaiters;
  Integer maxOutputBuffer;
  Duration stallTimeout;
  Duration connectionIdleTimeout;
  Duration replayWindow;
  Integer replayCacheSize;
  Integer busyPollMicros;
  RemoteStore store;
  String storeUri;

  /**
   * Sets the log level by name.
   *
   * @throws IllegalArgumentException if it is none of debug, info, warn or error
   */
  void logLevel(String level) {
    BrokerConfig.LogLevel.parse(level);
    this.logLevel = level;
  }

  /** Adds a value provider for the keys matching a pattern ({@code *} matches anything). */
  void provide(String keyPattern, ValueProvider provider) {
    providers.add(BrokerConfig.ProviderEntry.of(keyPattern, provider));
  }
}
