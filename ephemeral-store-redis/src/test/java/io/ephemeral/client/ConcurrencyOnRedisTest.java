package io.ephemeral.client;

import io.ephemeral.store.redis.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** {@link ConcurrencyTest} again, with the broker's values and leases in Redis. */
class ConcurrencyOnRedisTest extends ConcurrencyTest {
  @BeforeAll
  static void onRedis() {
    BrokerFixture.store = RedisServer.shared()::store;
  }

  @AfterAll
  static void inMemoryAgain() {
    BrokerFixture.store = null;
  }

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
