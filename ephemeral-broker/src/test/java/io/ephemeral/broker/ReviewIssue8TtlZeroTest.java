package io.ephemeral.broker;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Review issue #8: ttl 0 silently meant "default TTL" when TTLs were not required. */
class ReviewIssue8TtlZeroTest {
  @Test
  void ttlZeroIsInvalidWhetherOrNotTtlsAreRequired() throws Exception {
    for (boolean required : new boolean[] {true, false}) {
      try (BrokerFixture f = new BrokerFixture(b -> b.requireTtl(required))) {
        assertThat(f.call("{\"action\":\"set\",\"key\":\"k\",\"value\":1,\"ttl\":0}"))
            .isEqualTo("{\"ok\":false,\"error\":\"invalid_ttl\"}");
      }
    }
  }

  @Test
  void aMissingTtlUsesTheDefaultOnlyWhenNotRequired() throws Exception {
    try (BrokerFixture f =
        new BrokerFixture(b -> b.requireTtl(false).defaultTtl(java.time.Duration.ofSeconds(7)))) {
      assertThat(f.call("{\"action\":\"set\",\"key\":\"k\",\"value\":1}"))
          .isEqualTo("{\"ok\":true}");
      assertThat(f.callJson("{\"action\":\"list\"}").get("items").get("k").get("expires").asLong())
          .isEqualTo(f.clock.millis() + 7000);
    }
  }
}
