package io.ephemeral.client.service;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Values mapped by an application's Jackson 2 mapper, with Jackson 2 only on the class path. */
class ValueMapperTest {
  @RegisterExtension final Gateways gateways = Gateways.real();

  public record Account(String accountId, int balanceCents) {}

  @Test
  void withJackson2OnlyTheDefaultMapsWithJackson2() {
    assertThat(ValueMapper.forClassPath()).isInstanceOf(Jackson2Values.class);
  }

  @ParameterizedTest
  @EnumSource(Serializer.class)
  void theApplicationsJackson2MapperMapsValues(Serializer serializer) {
    ObjectMapper snake =
        new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
    ServiceClient b = gateways.client("B").serializer(serializer).objectMapper(snake).build();
    gateways.track(b);
    b.serve("echo", (params, ctx) -> params.as(Account.class));
    b.connect();
    ServiceClient a =
        gateways.client("A").serializer(serializer).valueMapper(Jackson2Values.of(snake)).build();
    gateways.track(a);
    a.connect();

    assertThat(a.call("B", "echo", new Account("x", 3), Map.class))
        .isEqualTo(Map.of("account_id", "x", "balance_cents", 3));
    assertThat(a.call("B", "echo", new Account("y", 4), Account.class))
        .isEqualTo(new Account("y", 4));
  }
}
