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
}
