package io.ephemeral.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.ephemeral.broker.store.RemoteStore;
import io.ephemeral.store.redis.RedisServer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A connection's deep pipeline reaches Redis in a few large batches, not 64 requests per store
 * round trip: each round trip is a hand-off to a store thread, Redis's answer and a hand-off back
 * to the loop, and on a busy host each of those waits for a time slice, so a pipeline of thousands
 * of requests cut into batches of 64 took seconds. The answers still come in request order.
 */
class DeepPipelineOnRedisTest {
  private static final int GETS = 1_000;

  @Test
  void aThousandPipelinedGetsGoToTheStoreInAFewBatchesAndAreAnsweredInOrder() throws Exception {
    RemoteStore redis = RedisServer.shared().store(Clock.system());
    CountingStore counting = new CountingStore();
    RemoteStore counted = counting.wrap(redis);
    List<Integer> batches = counting.batchSizes;
    Broker broker =
        Broker.builder()
            .environment(Map.of())
            .shutdownHook(false)
            .logLevel("warn")
            .store(counted)
            .build();
    try {
      Path socket = broker.start();
      try (WireClient c = new WireClient(socket)) {
        StringBuilder sets = new StringBuilder();
        StringBuilder gets = new StringBuilder();
        for (int i = 0; i < GETS; i++) {
          sets.append("{\"action\":\"set\",\"key\":\"k")
              .append(i)
              .append("\",\"value\":")
              .append(i)
              .append(",\"ttl\":60000}\n");
          gets.append("{\"action\":\"get\",\"key\":\"k").append(i).append("\"}\n");
        }
        c.send(sets.toString());
        // (the sets also give the broker time to make its own connection to Redis)
        for (String answer : c.readLines(GETS)) {
          assertThat(answer).isEqualTo("{\"ok\":true}");
        }
        batches.clear();
        c.send(gets.toString()); // one write: the broker reads them in one or a few turns
        List<String> answers = c.readLines(GETS);
        for (int i = 0; i < GETS; i++) {
          assertThat(answers.get(i)).as("answer %d", i).contains("\"value\":" + i + ",");
        }
      }
      assertThat(batches.stream().mapToInt(Integer::intValue).sum()).isEqualTo(GETS);
      assertThat(batches).as("store batches of the %d pipelined gets", GETS).hasSizeLessThan(8);
    } finally {
      broker.stop();
    }
  }
}
