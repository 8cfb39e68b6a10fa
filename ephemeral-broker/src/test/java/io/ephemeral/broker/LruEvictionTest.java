package io.ephemeral.broker;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The lru eviction policy: a full store evicts the least recently used item instead of refusing.
 */
class LruEvictionTest {
  @Test
  void evictsTheLeastRecentlyUsedItem() throws Exception {
    try (BrokerFixture f =
        new BrokerFixture(b -> b.maxItems(3).evictionPolicy(EvictionPolicy.LRU))) {
      f.call("{\"action\":\"set\",\"key\":\"a\",\"value\":1,\"ttl\":60000}");
      f.call("{\"action\":\"set\",\"key\":\"b\",\"value\":1,\"ttl\":60000}");
      f.call("{\"action\":\"set\",\"key\":\"c\",\"value\":1,\"ttl\":60000}");
      f.call("{\"action\":\"get\",\"key\":\"a\"}"); // a is now the most recently used
      assertThat(f.call("{\"action\":\"set\",\"key\":\"d\",\"value\":1,\"ttl\":60000}"))
          .isEqualTo("{\"ok\":true}");
      assertThat(f.call("{\"action\":\"get\",\"key\":\"b\"}"))
          .isEqualTo("{\"ok\":false,\"error\":\"not_found\"}");
      f.call(
          "{\"action\":\"set\",\"key\":\"c\",\"value\":2,\"ttl\":60000}"); // a write is a use too
      f.call("{\"action\":\"set\",\"key\":\"e\",\"value\":1,\"ttl\":60000}");
      assertThat(f.call("{\"action\":\"get\",\"key\":\"a\"}"))
          .isEqualTo("{\"ok\":false,\"error\":\"not_found\"}");
      assertThat(f.call("{\"action\":\"get\",\"key\":\"c\"}"))
          .startsWith("{\"ok\":true,\"value\":2");
      assertThat(f.callJson("{\"action\":\"stats\"}").get("stats").get("evictions").asInt())
          .isEqualTo(2);
    }
  }

  @Test
  void expiredItemsMakeRoomBeforeAnythingIsEvicted() throws Exception {
    try (BrokerFixture f =
        new BrokerFixture(b -> b.maxItems(2).evictionPolicy(EvictionPolicy.LRU))) {
      f.call("{\"action\":\"set\",\"key\":\"old\",\"value\":1,\"ttl\":60000}");
      f.call("{\"action\":\"set\",\"key\":\"short\",\"value\":1,\"ttl\":10}");
      f.clock.advance(java.time.Duration.ofMillis(10));
      f.call("{\"action\":\"set\",\"key\":\"new\",\"value\":1,\"ttl\":60000}");
      assertThat(f.call("{\"action\":\"get\",\"key\":\"old\"}")).startsWith("{\"ok\":true");
    }
  }
}
