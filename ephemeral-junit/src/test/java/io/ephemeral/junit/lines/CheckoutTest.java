package io.ephemeral.junit.lines;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ephemeral.client.BrokerClient;
import io.ephemeral.junit.EphemeralBroker;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The README's JUnit quick start, word for word; JUnitVersionLinesTest also runs it on the oldest
 * and the newest JUnit lines supported.
 */
@EphemeralBroker
class CheckoutTest {
  @Test
  void sharesAToken(BrokerClient broker) {
    broker.set("token", "abc", Duration.ofMinutes(5));
    assertEquals("abc", broker.get("token", String.class));
  }
}
