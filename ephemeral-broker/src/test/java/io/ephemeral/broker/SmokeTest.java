package io.ephemeral.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SmokeTest {
  @Test
  void setGetPing() throws Exception {
    try (Broker broker = Broker.builder().build()) {
      Path p = broker.start();
      try (WireClient c = new WireClient(p)) {
        assertThat(c.call("{\"action\":\"set\",\"key\":\"a\",\"value\":{\"x\":[1,2]},\"ttl\":60000}")).isEqualTo("{\"ok\":true}");
        assertThat(c.call("{\"action\":\"get\",\"key\":\"a\"}")).isEqualTo("{\"ok\":true,\"value\":{\"x\":[1,2]},\"compressed\":false}");
        assertThat(c.call("{\"action\":\"ping\",\"id\":7}")).startsWith("{\"ok\":true,\"pong\":").endsWith(",\"id\":7}");
        System.out.println(c.call("{\"action\":\"stats\"}"));
        System.out.println(c.call("{\"action\":\"health\"}"));
        System.out.println(c.call("{\"action\":\"list\"}"));
        System.out.println(c.call("{\"action\":\"metrics\"}"));
      }
    }
  }
}
