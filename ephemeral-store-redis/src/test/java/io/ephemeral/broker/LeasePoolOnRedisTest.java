package io.ephemeral.broker;

import io.ephemeral.store.redis.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** {@link LeasePoolTest} again, with the broker's values and leases in Redis. */
class LeasePoolOnRedisTest extends LeasePoolTest {
  @BeforeAll
  static void onRedis() {
    BrokerFixture.store = RedisServer.shared()::store;
  }

  @AfterAll
  static void inMemoryAgain() {
    BrokerFixture.store = null;
  }
}
