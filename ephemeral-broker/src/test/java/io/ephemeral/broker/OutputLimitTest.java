package io.ephemeral.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * {@code maxOutputBuffer} closes only a gateway peer that lets forwarded traffic pile up. A KV
 * client's own answers never count against it (its further requests wait instead), so a client that
 * reads normally gets a {@code list} answer of any size. Before, a {@code list} answer larger than
 * the limit closed the connection.
 */
class OutputLimitTest {

  @Test
  void aListAnswerLargerThanMaxOutputBufferReachesAClientThatReads() throws IOException {
    int limit = 64 * 1024;
    try (BrokerFixture f = new BrokerFixture(b -> b.maxOutputBuffer(limit))) {
      WireClient c = f.client();
      String keyPad = "k".repeat(1_000);
      for (int i = 0; i < 200; i++) {
        assertThat(
                c.call(
                    "{\"action\":\"set\",\"key\":\""
                        + keyPad
                        + i
                        + "\",\"value\":1,\"ttl\":600000}"))
            .startsWith("{\"ok\":true");
      }
      String list = c.call("{\"action\":\"list\"}");
      assertThat(list.length()).isGreaterThan(3 * limit);
      assertThat(list).startsWith("{\"ok\":true,\"items\":{").endsWith("}}");
      for (int i = 0; i < 200; i++) {
        assertThat(list).contains("\"" + keyPad + i + "\":{\"expires\":");
      }
      assertThat(c.call("{\"action\":\"ping\"}")).startsWith("{\"ok\":true");
    }
  }
}
