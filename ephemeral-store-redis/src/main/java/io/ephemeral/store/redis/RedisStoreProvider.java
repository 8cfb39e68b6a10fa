package io.ephemeral.store.redis;

import io.ephemeral.broker.store.RemoteStore;
import io.ephemeral.broker.store.StoreProvider;
import java.util.Map;
import java.util.Set;

/**
 * Makes a {@link RedisStore} for {@code redis://}, {@code rediss://}, {@code redis-cluster://},
 * {@code redis-sentinel://} and {@code redis-socket://} URIs.
 */
public final class RedisStoreProvider implements StoreProvider {
  private static final Set<String> SCHEMES =
      Set.of("redis", "rediss", "redis-cluster", "redis-sentinel", RedisUri.SOCKET_SCHEME);

  @Override
  public boolean handles(String scheme) {
    return SCHEMES.contains(scheme);
  }

  @Override
  public RemoteStore create(String uri, Map<String, String> environment) {
    return RedisStore.fromUri(uri, environment);
  }
}
