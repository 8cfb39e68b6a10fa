package io.ephemeral.client.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

/**
 * Values mapped by an application's Jackson 3 mapper. Runs with Jackson 3 on the class path (the
 * surefire execution {@code with-jackson-3}), as in a Spring Boot 4 application.
 */
class Jackson3ValuesTest {
  @RegisterExtension final Gateways gateways = Gateways.real();

  public record Account(String accountId, int balanceCents) {}

  @ServiceInterface("accounts")
  public interface Accounts {
    Account open(String ownerName, int initialCents);
  }

  @Test
  void withJackson3OnTheClassPathTheDefaultMapsWithJackson3() {
    assertThat(ValueMapper.forClassPath()).isInstanceOf(Jackson3Values.class);
  }

  @Test
  void theApplicationsJackson3MapperMapsArgumentsAndResultsOnBothSides() {
    JsonMapper snake =
        JsonMapper.builder().propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();
    AtomicReference<String> wire = new AtomicReference<>();
    ServiceClient service =
        gateways.client("accounts").valueMapper(Jackson3Values.of(snake)).build();
    gateways.track(service);
    service.registerService(
        (Accounts) (ownerName, initialCents) -> new Account(ownerName + "-1", initialCents));
    service.connect();
    ServiceClient raw = gateways.connected(gateways.client("raw"));
    raw.serve(
        "open",
        (params, ctx) -> {
          wire.set(new String(params.bytes(), StandardCharsets.UTF_8));
          return params;
        });
    ServiceClient caller =
        gateways.connected(gateways.client("web").valueMapper(Jackson3Values.of(snake)));

    Account a = caller.proxy(Accounts.class).open("ada", 500);
    assertThat(a).isEqualTo(new Account("ada-1", 500));
    // Parameter names are the contract's; the mapper's naming applies to the values.
    Params result =
        caller.call(
            "accounts",
            "open",
            Params.json("{\"ownerName\":\"x\",\"initialCents\":1}"),
            Params.class);
    assertThat(result.toString()).isEqualTo("{\"account_id\":\"x-1\",\"balance_cents\":1}");

    // Jackson 3 trees are values like any other.
    JsonNode tree = caller.call("raw", "open", snake.readTree("{\"k\":[1,2]}"), JsonNode.class);
    assertThat(tree.get("k").get(1).asInt()).isEqualTo(2);
    assertThat(wire.get()).isEqualTo("{\"k\":[1,2]}");
  }
}
