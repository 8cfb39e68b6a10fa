package io.ephemeral.client.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Values mapped by an application's Jackson 2 mapper, with Jackson 2 only on the class path. */
class ValueMapperTest {
  private GatewayFixture gateway;
  private final List<ServiceClient> clients = new ArrayList<>();

  public record Account(String accountId, int balanceCents) {}

  @BeforeEach
  void start() throws Exception {
    gateway = GatewayFixture.start();
  }

  @AfterEach
  void stop() {
    clients.forEach(ServiceClient::close);
    gateway.close();
  }

  @Test
  void withJackson2OnlyTheDefaultMapsWithJackson2() {
    assertThat(ValueMapper.forClassPath()).isInstanceOf(Jackson2Values.class);
  }

  @Test
  void theApplicationsJackson2MapperMapsValues() {
    ObjectMapper snake =
        new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
    ServiceClient b = gateway.client("B").objectMapper(snake).build();
    clients.add(b);
    b.serve("echo", (params, ctx) -> params.as(Account.class));
    b.connect();
    ServiceClient a = gateway.client("A").valueMapper(Jackson2Values.of(snake)).build();
    clients.add(a);
    a.connect();

    assertThat(a.call("B", "echo", new Account("x", 3), Map.class))
        .isEqualTo(Map.of("account_id", "x", "balance_cents", 3));
    assertThat(a.call("B", "echo", new Account("y", 4), Account.class))
        .isEqualTo(new Account("y", 4));
  }
}
