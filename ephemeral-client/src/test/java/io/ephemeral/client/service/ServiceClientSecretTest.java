package io.ephemeral.client.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ephemeral.broker.Broker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Against a broker with a secret, a service client that has the secret registers, serves and calls;
 * one without it is refused with a message that says why; a pool's connections join with the pool's
 * key.
 */
class ServiceClientSecretTest {
  private static final String SECRET = "client-secret";

  @Test
  void onlyAClientWithTheSecretRegisters() throws Exception {
    Path dir = Files.createTempDirectory("svc-secret-");
    Broker broker =
        Broker.builder()
            .environment(Map.of())
            .shutdownHook(false)
            .socketPath(dir.resolve("b.sock"))
            .secret(SECRET)
            .logLevel("warn")
            .build();
    broker.start();
    try (ServiceClient server = client(broker, "adder", SECRET).poolSize(3).build();
        ServiceClient caller = client(broker, "caller", SECRET).build();
        ServiceClient outsider = client(broker, "outsider", null).build()) {
      server.registerMethod(
          "add", (params, ctx) -> params.get("a").asInt() + params.get("b").asInt());
      server.connect();
      assertThat(broker.gateway().getService("adder").orElseThrow().connections()).isEqualTo(3);
      caller.connect();
      assertThat(caller.call("adder", "add", Map.of("a", 2, "b", 3), Integer.class)).isEqualTo(5);
      assertThatThrownBy(outsider::connect)
          .isInstanceOf(ServiceException.class)
          .hasMessageContaining("secret");
      assertThat(broker.gateway().isServiceConnected("outsider")).isFalse();
    } finally {
      broker.stop();
      Files.deleteIfExists(dir);
    }
  }

  private static ServiceClient.Builder client(Broker broker, String name, String secret) {
    ServiceClient.Builder b =
        ServiceClient.builder()
            .serviceName(name)
            .gateway(broker.socketPath())
            .environment(Map.of())
            .autoReconnect(false)
            .timeout(Duration.ofSeconds(10));
    return secret == null ? b : b.secret(secret);
  }
}
