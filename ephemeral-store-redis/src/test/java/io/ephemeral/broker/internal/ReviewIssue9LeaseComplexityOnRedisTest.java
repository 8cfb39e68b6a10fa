package io.ephemeral.broker.internal;

import io.ephemeral.broker.BrokerFixture;
import io.ephemeral.store.redis.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** {@link ReviewIssue9LeaseComplexityTest} again, with the broker's values and leases in Redis. */
class ReviewIssue9LeaseComplexityOnRedisTest extends ReviewIssue9LeaseComplexityTest {
  @BeforeAll
  static void onRedis() {
    BrokerFixture.store = RedisServer.shared()::store;
  }

  @AfterAll
  static void inMemoryAgain() {
    BrokerFixture.store = null;
  }

  /** Not run here (an override without @Test): it drives the memory Leases class directly. */
  @Override
  void tenThousandHoldersAlwaysGetTheLowestFreeSlot() {}
}
