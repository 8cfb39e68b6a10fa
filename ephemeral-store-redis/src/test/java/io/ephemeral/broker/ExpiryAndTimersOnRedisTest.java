package io.ephemeral.broker;

import io.ephemeral.store.redis.StoreOnRedis;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link ExpiryAndTimersTest} again, with the broker's values and leases in Redis. */
class ExpiryAndTimersOnRedisTest extends ExpiryAndTimersTest {
  @RegisterExtension
  static final StoreOnRedis REDIS = new StoreOnRedis(store -> BrokerFixture.store = store);

  /**
   * Not run here (an override without @Test): it checks the memory store's sweeper schedule. In
   * Redis, expired entries are purged by every write and count, and Redis drops them itself.
   */
  @Override
  void expiredLeasesAreSweptOnSchedule() {}
}
