package io.ephemeral.broker;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Review issue #27: correlation ids were never returned. A request's "id" comes back in its
 * response.
 */
class ReviewIssue27CorrelationIdTest {
  @Test
  void theIdIsEchoedOnSuccessAndError() throws Exception {
    try (BrokerFixture f = new BrokerFixture()) {
      assertThat(f.call("{\"id\":1,\"action\":\"set\",\"key\":\"k\",\"value\":1,\"ttl\":1000}"))
          .isEqualTo("{\"ok\":true,\"id\":1}");
      assertThat(f.call("{\"action\":\"set\",\"key\":\"k\",\"value\":1,\"id\":\"abc\"}"))
          .isEqualTo("{\"ok\":false,\"error\":\"ttl_required\",\"id\":\"abc\"}");
      assertThat(f.call("{\"action\":\"nope\",\"id\":[1]}"))
          .isEqualTo("{\"ok\":false,\"error\":\"unknown_action\",\"id\":[1]}");
    }
  }
}
