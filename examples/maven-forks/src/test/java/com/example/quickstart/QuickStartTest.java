package com.example.quickstart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ephemeral.client.BrokerClient;
import io.ephemeral.client.Lease;
import io.ephemeral.client.service.ServiceClient;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The README's Java quick starts, word for word, in a fork of a real build. */
class QuickStartTest {

  @Test
  void aTestSharesATokenAndLeasesAnAccount() {
    String token = "abc";
    String workerId = "worker-" + ProcessHandle.current().pid();
    try (BrokerClient broker = BrokerClient.fromEnvironment()) { // EPHEMERAL_PIPE
      broker.set("token", token, Duration.ofMinutes(5));
      String shared = broker.get("token", String.class);
      // one of 3 accounts; waits up to 30 s for a free one (first come, first served)
      try (Lease account = broker.lease("accounts", workerId, Duration.ofMinutes(1), 3, Duration.ofSeconds(30))) {
        assertEquals("abc", shared);
        assertTrue(account.slot() < 3);
      }
    }
  }

  @Test
  void aServiceAnswersCallsThroughTheGateway() {
    try (ServiceClient users = ServiceClient.builder().serviceName("users").build()) {
      users.registerMethod("get", (params, ctx) -> Map.of("id", params.path("id").asLong(), "name", "Ada"));
      users.connect();
      Map<?, ?> user = users.call("users", "get", Map.of("id", 42), Map.class);
      assertEquals("Ada", user.get("name"));
    }
  }
}
