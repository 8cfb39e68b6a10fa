package io.ephemeral.junit;

import static org.assertj.core.api.Assertions.assertThat;

import io.ephemeral.client.BrokerClient;
import io.ephemeral.client.Lease;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

@EphemeralBroker
class ExtensionInjectionTest {
  @EphemeralBroker static BrokerClient staticField;
  @EphemeralBroker BrokerClient field;
  private static BrokerClient fromBeforeAll;
  private final BrokerClient fromConstructor;

  ExtensionInjectionTest(BrokerClient client) {
    this.fromConstructor = client;
  }

  @BeforeAll
  static void setUp(BrokerClient client) {
    fromBeforeAll = client;
  }

  @Test
  void injectsAWorkingClient(BrokerClient client) {
    client.set("injected", "value", Duration.ofMinutes(1));
    assertThat(client.get("injected", String.class)).isEqualTo("value");
    assertThat(client.ping()).isPositive();
  }

  @Test
  void aClassSharesOneClientAcrossParametersAndFields(BrokerClient client) {
    assertThat(field).isSameAs(client);
    assertThat(staticField).isSameAs(client);
    assertThat(fromConstructor).isSameAs(client);
    assertThat(fromBeforeAll).isSameAs(client);
  }

  @Test
  void leasedParametersOfOnePoolShareTheLease(
      @Leased(pool = "injection-pool", size = 2) int slot,
      @Leased(pool = "injection-pool", size = 2) Lease lease,
      BrokerClient client) {
    assertThat(slot).isEqualTo(lease.slot()).isBetween(0, 1);
    assertThat(lease.key()).isEqualTo("injection-pool");
    assertThat(lease.token()).isPositive();
    assertThat(lease.workerId()).contains(Long.toString(ProcessHandle.current().pid()));
  }
}
