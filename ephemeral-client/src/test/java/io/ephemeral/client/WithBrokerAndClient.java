package io.ephemeral.client;

import io.ephemeral.broker.Broker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A test class whose every test has a broker of its own ({@link #broker}, started with {@link
 * #options}) and a client of it with the default settings ({@link #client}), both closed after the
 * test.
 */
abstract class WithBrokerAndClient {
  BrokerFixture broker;
  BrokerClient client;

  /** The broker's options beyond the fixture's; none unless overridden. */
  void options(Broker.Builder builder) {}

  @BeforeEach
  void startBrokerAndClient() throws Exception {
    broker = BrokerFixture.start(this::options);
    client = broker.client().build();
  }

  @AfterEach
  void closeBrokerAndClient() {
    client.close();
    broker.close();
  }
}
