package io.ephemeral.broker;

import io.ephemeral.store.redis.StoreOnRedis;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link ProtocolActionsTest} again, with the broker's values and leases in Redis. */
class ProtocolActionsOnRedisTest extends ProtocolActionsTest {
  @RegisterExtension
  static final StoreOnRedis REDIS = new StoreOnRedis(store -> BrokerFixture.store = store);
}
