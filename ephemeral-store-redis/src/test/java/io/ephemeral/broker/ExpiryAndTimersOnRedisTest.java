package io.ephemeral.broker;

import io.ephemeral.store.redis.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** {@link ExpiryAndTimersTest} again, with the broker's values and leases in Redis. */
class ExpiryAndTimersOnRedisTest extends ExpiryAndTimersTest {
  @BeforeAll
  static void onRedis() {
    BrokerFixture.store = RedisServer.shared()::store;
  }

  @AfterAll
  static void inMemoryAgain() {
    BrokerFixture.store = null;
  }

  /**
   * Not run here (an override without @Test): it checks the memory store's sweeper schedule. In
   * Redis, expired entries are purged by every write and count, and Redis drops them itself.
   */
  @Override
  void expiredLeasesAreSweptOnSchedule() {}
}
