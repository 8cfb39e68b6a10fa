package io.ephemeral.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Stopping the broker writes the answers it still owes to the requests it took in, for a client
 * that reads them. Four gets of a 250 KB value are accepted (their 1 MB of answers stays under the
 * output high-water mark, so the broker takes all four in) while the client does not read: most of
 * the answers wait in the broker. Then the broker stops and the client starts reading: it must get
 * all four answers before the end of the stream. (The broker used to close the connections with the
 * answers still queued: the client got the first and then the end.)
 */
class StopAnswersAcceptedRequestsTest {

  private static final int GETS = 4;
  private static final int SIZE = 250_000;

  @Test
  void stopWritesTheAnswersOfEveryAcceptedRequestBeforeClosing() throws Exception {
    Broker broker =
        Broker.builder()
            .environment(Map.of())
            .shutdownHook(false)
            .maxValueSize(300_000)
            .compression(false)
            .build();
    try {
      Path socket = broker.start();
      String value = "x".repeat(SIZE);
      try (WireClient control = new WireClient(socket);
          WireClient reader = new WireClient(socket)) {
        control.call(
            "{\"action\":\"set\",\"key\":\"big\",\"value\":\"" + value + "\",\"ttl\":60000}");
        reader.send("{\"action\":\"get\",\"key\":\"big\"}\n".repeat(GETS));
        // The gets are taken in once their unsent answers count as in flight.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (inFlight(control) < GETS) {
          assertThat(System.nanoTime()).as("the gets taken in").isLessThan(deadline);
          Thread.sleep(5);
        }
        CompletableFuture<Void> stopped = CompletableFuture.runAsync(broker::stop);
        for (int i = 0; i < GETS; i++) {
          String answer = reader.readLine();
          assertThat(answer).as("answer %d of %d", i + 1, GETS).isNotNull();
          assertThat(answer)
              .startsWith("{\"ok\":true,\"value\":\"xxx")
              .endsWith("}")
              .contains(value);
        }
        assertThat(reader.readLine()).as("end of stream after the answers").isNull();
        stopped.get(30, TimeUnit.SECONDS);
      }
    } finally {
      broker.stop();
    }
  }

  private static long inFlight(WireClient control) throws Exception {
    return BrokerFixture.JSON
            .readTree(control.call("{\"action\":\"health\"}"))
            .get("connections")
            .get("inFlight")
            .asLong()
        - 1; // minus the health request itself
  }
}
