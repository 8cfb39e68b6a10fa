package io.ephemeral.broker.internal;

import io.ephemeral.broker.BrokerFixture;
import io.ephemeral.store.redis.StoreOnRedis;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link ReviewIssue12ApproximateBytesTest} again, with the broker's values and leases in Redis.
 */
class ReviewIssue12ApproximateBytesOnRedisTest extends ReviewIssue12ApproximateBytesTest {
  @RegisterExtension
  static final StoreOnRedis REDIS = new StoreOnRedis(store -> BrokerFixture.store = store);
}
