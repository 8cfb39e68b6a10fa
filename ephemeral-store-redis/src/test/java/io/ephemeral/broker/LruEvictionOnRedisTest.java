package io.ephemeral.broker;

import io.ephemeral.store.redis.StoreOnRedis;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link LruEvictionTest} again, with the broker's values and leases in Redis. */
class LruEvictionOnRedisTest extends LruEvictionTest {
  @RegisterExtension
  static final StoreOnRedis REDIS = new StoreOnRedis(store -> BrokerFixture.store = store);
}
