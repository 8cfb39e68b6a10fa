package io.ephemeral.client;

import io.ephemeral.store.redis.StoreOnRedis;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link CompressionTest} again, with the broker's values and leases in Redis. */
class CompressionOnRedisTest extends CompressionTest {
  @RegisterExtension
  static final StoreOnRedis REDIS = new StoreOnRedis(store -> BrokerFixture.store = store);
}
