package io.ephemeral.client;

import io.ephemeral.store.redis.StoreOnRedis;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link LeaseHandleTest} again, with the broker's values and leases in Redis. */
class LeaseHandleOnRedisTest extends LeaseHandleTest {
  @RegisterExtension
  static final StoreOnRedis REDIS = new StoreOnRedis(store -> BrokerFixture.store = store);
}
