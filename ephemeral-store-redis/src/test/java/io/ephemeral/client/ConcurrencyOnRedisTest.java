package io.ephemeral.client;

import io.ephemeral.store.redis.StoreOnRedis;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link ConcurrencyTest} again, with the broker's values and leases in Redis. */
class ConcurrencyOnRedisTest extends ConcurrencyTest {
  @RegisterExtension
  static final StoreOnRedis REDIS = new StoreOnRedis(store -> BrokerFixture.store = store);

  /*
   * The two 32-thread mixed workloads (64,000 requests each, about 15 s each through Redis on two
   * cores) are not run again here (overrides without @Test): the lease and pipeline tests below
   * are, and TwoBrokersShareOneRedisTest drives two broker processes concurrently.
   */

  @Override
  void thirtyTwoThreadsShareOneClient() {}

  @Override
  void thirtyTwoThreadsWithOneClientEach() {}
}
