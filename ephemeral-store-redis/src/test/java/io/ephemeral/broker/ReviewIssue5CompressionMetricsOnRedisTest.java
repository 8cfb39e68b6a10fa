package io.ephemeral.broker;

import io.ephemeral.store.redis.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * {@link ReviewIssue5CompressionMetricsTest} again, with the broker's values and leases in Redis.
 */
class ReviewIssue5CompressionMetricsOnRedisTest extends ReviewIssue5CompressionMetricsTest {
  @BeforeAll
  static void onRedis() {
    BrokerFixture.store = RedisServer.shared()::store;
  }

  @AfterAll
  static void inMemoryAgain() {
    BrokerFixture.store = null;
  }
}
