package io.ephemeral.broker;

import io.ephemeral.store.redis.StoreOnRedis;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link ReviewIssue8TtlZeroTest} again, with the broker's values and leases in Redis. */
class ReviewIssue8TtlZeroOnRedisTest extends ReviewIssue8TtlZeroTest {
  @RegisterExtension
  static final StoreOnRedis REDIS = new StoreOnRedis(store -> BrokerFixture.store = store);
}
