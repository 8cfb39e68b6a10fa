package io.ephemeral.store.redis;

import io.ephemeral.broker.ManualClock;
import io.ephemeral.broker.store.RemoteStore;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a suite of the broker or client module again with its fixture's brokers keeping their values
 * and leases in the {@linkplain RedisServer#shared shared} redis-server: set in the fixture before
 * the suite's first test, and back to the broker's own memory (null) after its last.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final StoreOnRedis REDIS = new StoreOnRedis(store -> BrokerFixture.store = store);
 * }</pre>
 */
public final class StoreOnRedis implements BeforeAllCallback, AfterAllCallback {
  private final Consumer<Function<ManualClock, RemoteStore>> fixtureStore;

  /** {@code fixtureStore} sets the store of the suite's fixture ({@code BrokerFixture.store}). */
  public StoreOnRedis(Consumer<Function<ManualClock, RemoteStore>> fixtureStore) {
    this.fixtureStore = fixtureStore;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    fixtureStore.accept(RedisServer.shared()::store);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    fixtureStore.accept(null);
  }
}
