package io.ephemeral.broker;

import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A test class whose every test has a broker of its own ({@link #f}), started with {@link #options}
 * and closed after the test.
 */
public abstract class WithBroker {
  protected BrokerFixture f;

  /** The broker's options beyond the fixture's; none unless overridden. */
  protected Broker.Builder options(Broker.Builder builder) {
    return builder;
  }

  @BeforeEach
  public final void startBroker() throws IOException {
    f = new BrokerFixture(this::options);
  }

  @AfterEach
  public final void closeBroker() {
    f.close();
  }
}
