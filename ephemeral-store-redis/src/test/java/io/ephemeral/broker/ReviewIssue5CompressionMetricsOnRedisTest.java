package io.ephemeral.broker;

import io.ephemeral.store.redis.StoreOnRedis;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link ReviewIssue5CompressionMetricsTest} again, with the broker's values and leases in Redis.
 */
class ReviewIssue5CompressionMetricsOnRedisTest extends ReviewIssue5CompressionMetricsTest {
  @RegisterExtension
  static final StoreOnRedis REDIS = new StoreOnRedis(store -> BrokerFixture.store = store);
}
