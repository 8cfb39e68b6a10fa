package io.ephemeral.broker;

import io.ephemeral.store.redis.StoreOnRedis;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link ReviewIssue10Utf8ValueSizeTest} again, with the broker's values and leases in Redis. */
class ReviewIssue10Utf8ValueSizeOnRedisTest extends ReviewIssue10Utf8ValueSizeTest {
  @RegisterExtension
  static final StoreOnRedis REDIS = new StoreOnRedis(store -> BrokerFixture.store = store);
}
