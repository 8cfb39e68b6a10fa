package io.ephemeral.broker;

import io.ephemeral.store.redis.StoreOnRedis;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link ReviewIssue27CorrelationIdTest} again, with the broker's values and leases in Redis. */
class ReviewIssue27CorrelationIdOnRedisTest extends ReviewIssue27CorrelationIdTest {
  @RegisterExtension
  static final StoreOnRedis REDIS = new StoreOnRedis(store -> BrokerFixture.store = store);
}
