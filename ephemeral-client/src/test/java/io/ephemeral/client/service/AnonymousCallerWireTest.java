package io.ephemeral.client.service;

import static io.ephemeral.client.service.ScriptedGateway.obj;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A client without a service name, against a scripted gateway: what it sends and expects. */
class AnonymousCallerWireTest {
  @RegisterExtension final Gateways gateways = Gateways.scripted();

  private static final Duration WAIT = Duration.ofSeconds(10);

  private ServiceClient anonymous() {
    return gateways.build(ServiceClient.builder().gateway(gateways.socket()).environment(Map.of()));
  }

  @Test
  void itRegistersAsAnonymousAndCallsUnderTheIdentityTheGatewayGives() throws Exception {
    ServiceClient c = anonymous();
    assertThat(c.isAnonymous()).isTrue();
    CompletableFuture<Void> connected = CompletableFuture.runAsync(c::connect);
    Peer p = gateways.script().accept(WAIT);
    JsonNode register = p.read("REGISTER", WAIT).message();
    assertThat(register.get("anonymous").asBoolean()).isTrue();
    assertThat(register.has("serviceName")).isFalse();
    p.send(obj("type", "REGISTER_ACK", "caller", "~anonymous-7"));
    connected.get(10, TimeUnit.SECONDS);

    c.callAsync("B", "m", null, JsonNode.class);
    JsonNode call = p.read("CALL", WAIT).message();
    assertThat(call.get("from").asText()).isEqualTo("~anonymous-7");
    assertThat(call.get("context").get("chain").get(0).asText()).isEqualTo("~anonymous-7");
    assertThat(c.serviceName()).isNull();
    assertThat(c.getStatus().serviceName()).isNull();
  }

  @Test
  void aGatewayThatGivesNoIdentityFailsTheConnectWithTheReason() throws Exception {
    ServiceClient c = anonymous();
    CompletableFuture<Void> connected = CompletableFuture.runAsync(c::connect);
    Peer p = gateways.script().accept(WAIT);
    p.read("REGISTER", WAIT);
    p.send(obj("type", "REGISTER_ACK"));
    assertThatThrownBy(() -> connected.get(10, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(ServiceUnavailableException.class)
        .hasMessageContaining("does not support anonymous callers");
  }

  @Test
  void anAnonymousClientCannotServe() {
    ServiceClient c = anonymous();
    assertThatThrownBy(() -> c.serve("m", (params, ctx) -> null))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("anonymous client cannot serve methods");
    assertThatThrownBy(() -> c.registerMethod("m", (params, ctx) -> null))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> c.registerService(new Object()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("anonymous client cannot serve a service");
    assertThatThrownBy(
            () -> ServiceClient.builder().serviceName("").gateway(gateways.socket()).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("must not be empty");
  }
}
