package io.ephemeral.broker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.ephemeral.broker.BrokerFixture;
import org.junit.jupiter.api.Test;

/** Review issue #12: approximateStoreBytes assumed UTF-16 and a 24-byte overhead. */
class ReviewIssue12ApproximateBytesTest {
  private static long bytes(BrokerFixture f) {
    return f.callJson("{\"action\":\"stats\"}")
        .get("stats")
        .get("memory")
        .get("approximateStoreBytes")
        .asLong();
  }

  @Test
  void countsUtf8BytesPlusARealisticOverheadAndShrinksOnDelete() throws Exception {
    try (BrokerFixture f = new BrokerFixture(b -> b.compression(false))) {
      assertThat(bytes(f)).isZero();
      f.call(
          "{\"action\":\"set\",\"key\":\"\u00e9\u00e9\",\"value\":\"\uD83D\uDD25\",\"ttl\":1000}");
      // key 4 bytes + value JSON text 6 bytes ("+4+") + overhead
      assertThat(bytes(f)).isEqualTo(4 + 6 + MemoryStore.ENTRY_OVERHEAD_BYTES);
      f.call("{\"action\":\"del\",\"key\":\"\u00e9\u00e9\"}");
      assertThat(bytes(f)).isZero();
    }
  }

  @Test
  void anOverwriteCountsTheNewSizeInPlaceOfTheOld() throws Exception {
    try (BrokerFixture f = new BrokerFixture(b -> b.compression(false))) {
      long overhead = MemoryStore.ENTRY_OVERHEAD_BYTES;
      f.call("{\"action\":\"set\",\"key\":\"k\",\"value\":\"ab\",\"ttl\":60000}");
      assertThat(bytes(f)).isEqualTo(1 + 4 + overhead);
      f.call("{\"action\":\"set\",\"key\":\"k\",\"value\":\"cd\",\"ttl\":60000}");
      assertThat(bytes(f)).as("the same size again").isEqualTo(1 + 4 + overhead);
      f.call("{\"action\":\"set\",\"key\":\"k\",\"value\":\"abcdef\",\"ttl\":60000}");
      assertThat(bytes(f)).as("larger").isEqualTo(1 + 8 + overhead);
      f.call("{\"action\":\"set\",\"key\":\"k\",\"value\":7,\"ttl\":60000}");
      assertThat(bytes(f)).as("smaller").isEqualTo(1 + 1 + overhead);
      f.call("{\"action\":\"del\",\"key\":\"k\"}");
      assertThat(bytes(f)).isZero();
    }
  }
}
