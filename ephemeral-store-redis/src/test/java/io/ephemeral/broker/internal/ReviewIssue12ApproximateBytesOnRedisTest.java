package io.ephemeral.broker.internal;

import io.ephemeral.broker.BrokerFixture;
import io.ephemeral.store.redis.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * {@link ReviewIssue12ApproximateBytesTest} again, with the broker's values and leases in Redis.
 */
class ReviewIssue12ApproximateBytesOnRedisTest extends ReviewIssue12ApproximateBytesTest {
  @BeforeAll
  static void onRedis() {
    BrokerFixture.store = RedisServer.shared()::store;
  }

  @AfterAll
  static void inMemoryAgain() {
    BrokerFixture.store = null;
  }
}
