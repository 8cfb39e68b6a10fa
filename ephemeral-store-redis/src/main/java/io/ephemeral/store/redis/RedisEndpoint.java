package io.ephemeral.store.redis;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import redis.clients.jedis.ConnectionFactory;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisSocketFactory;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.RedisSentinelClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.providers.PooledConnectionProvider;

/**
 * Where a {@link RedisStore}'s Redis is and how to connect to it: standalone, cluster or sentinel,
 * credentials, TLS, timeouts and the size of the connection pool. The store owns what it does over
 * the connection; this owns making it. {@code unixSocket} is the path of a standalone Redis's Unix
 * socket (then {@code hosts} is empty), else null; {@code sslContext} is null for the JVM's trust
 * store; {@code threads} is the number of store threads (the pool has two more connections).
 */
record RedisEndpoint(
    RedisEndpoint.Mode mode,
    List<String> hosts,
    Path unixSocket,
    String master,
    int database,
    String user,
    String password,
    boolean tls,
    SSLContext sslContext,
    int timeoutMillis,
    int connectTimeoutMillis,
    int threads) {
  enum Mode {
    STANDALONE,
    CLUSTER,
    SENTINEL
  }

  /** A client with its own connection pool (connections are made on first use). */
  UnifiedJedis connect() {
    DefaultJedisClientConfig.Builder config =
        DefaultJedisClientConfig.builder()
            .resp2()
            .connectionTimeoutMillis(connectTimeoutMillis)
            .socketTimeoutMillis(timeoutMillis)
            .database(database)
            .clientName("ephemeral-broker");
    configureTls(config);
    if (password != null) {
      config.user(user).password(password);
    }
    ConnectionPoolConfig pool = new ConnectionPoolConfig();
    pool.setMaxTotal(threads + 2);
    pool.setMaxIdle(threads + 2);
    pool.setMinIdle(0);
    pool.setBlockWhenExhausted(true);
    pool.setMaxWait(Duration.ofMillis(timeoutMillis));
    pool.setJmxEnabled(false);
    switch (mode) {
      case CLUSTER:
        return RedisClusterClient.builder()
            .nodes(hostsAndPorts())
            .maxAttempts(3)
            .maxTotalRetriesDuration(Duration.ofMillis(2L * timeoutMillis))
            .clientConfig(config.build())
            .poolConfig(pool)
            .build();
      case SENTINEL:
        DefaultJedisClientConfig.Builder sentinels =
            DefaultJedisClientConfig.builder()
                .resp2()
                .connectionTimeoutMillis(connectTimeoutMillis)
                .socketTimeoutMillis(timeoutMillis);
        configureTls(sentinels);
        return RedisSentinelClient.builder()
            .masterName(master)
            .sentinels(hostsAndPorts())
            .sentinelClientConfig(sentinels.build())
            .clientConfig(config.build())
            .poolConfig(pool)
            .build();
      default:
        if (unixSocket != null) {
          JedisClientConfig clientConfig = config.build();
          JedisSocketFactory sockets =
              () -> {
                try {
                  return UnixSocket.connect(unixSocket, timeoutMillis);
                } catch (IOException e) {
                  throw new JedisConnectionException(
                      "Failed to connect to " + unixSocket + ": " + e.getMessage(), e);
                }
              };
          return RedisClient.builder()
              .connectionProvider(
                  new PooledConnectionProvider(new ConnectionFactory(sockets, clientConfig), pool))
              .clientConfig(clientConfig)
              .build();
        }
        return RedisClient.builder()
            .hostAndPort(HostAndPort.from(hosts.get(0)))
            .clientConfig(config.build())
            .poolConfig(pool)
            .build();
    }
  }

  /**
   * TLS as browsers do it: the server's certificate must chain to a trusted root and name the host
   * (or IP address) connected to. Jedis 8 checks the name by default as well; it is asked for here
   * so that the store does not rest on a client library's default.
   */
  private void configureTls(DefaultJedisClientConfig.Builder config) {
    config.ssl(tls);
    if (!tls) {
      return;
    }
    SSLParameters parameters = new SSLParameters();
    parameters.setEndpointIdentificationAlgorithm("HTTPS");
    config.sslParameters(parameters);
    if (sslContext != null) {
      config.sslSocketFactory(sslContext.getSocketFactory());
    }
  }

  private Set<HostAndPort> hostsAndPorts() {
    Set<HostAndPort> set = new LinkedHashSet<>();
    for (String h : hosts) {
      set.add(HostAndPort.from(h));
    }
    return set;
  }

  /** Where Redis is, as a URI without credentials. */
  String describe() {
    String where;
    switch (mode) {
      case CLUSTER:
        where = "redis-cluster://" + String.join(",", hosts);
        break;
      case SENTINEL:
        where =
            "redis-sentinel://"
                + String.join(",", hosts)
                + (database == 0 ? "" : "/" + database)
                + "?master="
                + master;
        break;
      default:
        where =
            unixSocket != null
                ? "redis-socket://" + unixSocket + (database == 0 ? "" : "?database=" + database)
                : (tls ? "rediss://" : "redis://")
                    + hosts.get(0)
                    + (database == 0 ? "" : "/" + database);
    }
    return where;
  }

  /** What to check when the TLS handshake failed, or "". */
  String tlsHint(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SSLException) {
        String trust =
            sslContext != null
                ? "the store's SSLContext trusts"
                : "the JVM's trust store holds (javax.net.ssl.trustStore)";
        return " (TLS: the server's certificate must chain to a CA that "
            + trust
            + " and name the host connected to)";
      }
    }
    return "";
  }

  /** Where Redis is; never the credentials (a record would print them). */
  @Override
  public String toString() {
    return describe();
  }
}
