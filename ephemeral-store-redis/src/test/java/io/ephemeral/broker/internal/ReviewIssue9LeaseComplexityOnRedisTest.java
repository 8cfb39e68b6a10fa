package io.ephemeral.broker.internal;

import io.ephemeral.broker.BrokerFixture;
import io.ephemeral.store.redis.StoreOnRedis;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link ReviewIssue9LeaseComplexityTest} again, with the broker's values and leases in Redis. */
class ReviewIssue9LeaseComplexityOnRedisTest extends ReviewIssue9LeaseComplexityTest {
  @RegisterExtension
  static final StoreOnRedis REDIS = new StoreOnRedis(store -> BrokerFixture.store = store);

  /** Not run here (an override without @Test): it drives the memory Leases class directly. */
  @Override
  void tenThousandHoldersAlwaysGetTheLowestFreeSlot() {}
}
