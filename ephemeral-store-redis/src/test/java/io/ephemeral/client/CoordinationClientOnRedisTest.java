package io.ephemeral.client;

import io.ephemeral.store.redis.StoreOnRedis;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link CoordinationClientTest} again, with the broker's values and primitives in Redis. */
class CoordinationClientOnRedisTest extends CoordinationClientTest {
  @RegisterExtension
  static final StoreOnRedis REDIS = new StoreOnRedis(store -> BrokerFixture.store = store);
}
