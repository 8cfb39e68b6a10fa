package io.ephemeral.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
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
 *
 * <p>The answers are written for as long as the output moves: a connection is given up only once
 * its output has not moved for the stall timeout, on the broker's clock, which the last two tests
 * move by hand. (The last answers used to get one second in all, so a client slow to read on a busy
 * host got an answer cut in the middle of its line.)
 */
class StopAnswersAcceptedRequestsTest {

  private static final int GETS = 4;
  private static final int SIZE = 250_000;

  /** Longer than the one second the last answers used to get in all. */
  private static final long LATE_MILLIS = 1_500;

  @Test
  void stopWritesTheAnswersOfEveryAcceptedRequestBeforeClosing() throws Exception {
    whileStopping(builder().build(), (reader, value, stopped) -> readEveryAnswer(reader, value));
  }

  @Test
  void aClientThatReadsLateStillGetsEveryAnswerWhole() throws Exception {
    ManualClock clock = new ManualClock();
    whileStopping(
        builder().clock(clock).stallTimeout(Duration.ofSeconds(5)).build(),
        (reader, value, stopped) -> {
          Thread.sleep(LATE_MILLIS); // the client reads late: its output waits, the clock stands
          readEveryAnswer(reader, value);
        });
  }

  @Test
  void aClientThatDoesNotReadIsGivenUpOnceItsOutputStalls() throws Exception {
    ManualClock clock = new ManualClock();
    whileStopping(
        builder().clock(clock).stallTimeout(Duration.ofSeconds(5)).build(),
        (reader, value, stopped) -> {
          Thread.sleep(LATE_MILLIS);
          assertThat(stopped).as("stopped before the output stalled on the clock").isNotDone();
          clock.advance(Duration.ofSeconds(5)); // a stall timeout passes without the output moving
          stopped.get(30, TimeUnit.SECONDS);
          int whole = 0;
          String line;
          while ((line = reader.readLine()) != null && line.endsWith("}")) {
            whole++;
          }
          assertThat(whole)
              .as("answers written before the connection was given up")
              .isLessThan(GETS);
        });
  }

  /** What a test does with the reader while the broker stops. */
  private interface WhileStopping {
    void run(WireClient reader, String value, CompletableFuture<Void> stopped) throws Exception;
  }

  /**
   * Starts {@code broker}, has a reader's gets taken in, begins the stop and runs {@code test}; the
   * stop must then end.
   */
  private static void whileStopping(Broker broker, WhileStopping test) throws Exception {
    try {
      Path socket = broker.start();
      try (WireClient control = new WireClient(socket);
          WireClient reader = new WireClient(socket)) {
        String value = takeInTheGets(control, reader);
        CompletableFuture<Void> stopped = CompletableFuture.runAsync(broker::stop);
        test.run(reader, value, stopped);
        stopped.get(30, TimeUnit.SECONDS);
      }
    } finally {
      broker.stop();
    }
  }

  private static Broker.Builder builder() {
    return Broker.builder()
        .environment(Map.of())
        .shutdownHook(false)
        .maxValueSize(300_000)
        .compression(false);
  }

  /**
   * Has {@code reader} send the gets without reading, until all are taken in; returns the value.
   */
  private static String takeInTheGets(WireClient control, WireClient reader) throws Exception {
    String value = "x".repeat(SIZE);
    control.call("{\"action\":\"set\",\"key\":\"big\",\"value\":\"" + value + "\",\"ttl\":60000}");
    reader.send("{\"action\":\"get\",\"key\":\"big\"}\n".repeat(GETS));
    // The gets are taken in once their unsent answers count as in flight.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (inFlight(control) < GETS) {
      assertThat(System.nanoTime()).as("the gets taken in").isLessThan(deadline);
      Thread.sleep(5);
    }
    return value;
  }

  private static void readEveryAnswer(WireClient reader, String value) throws Exception {
    for (int i = 0; i < GETS; i++) {
      String answer = reader.readLine();
      assertThat(answer).as("answer %d of %d", i + 1, GETS).isNotNull();
      assertThat(answer).startsWith("{\"ok\":true,\"value\":\"xxx").endsWith("}").contains(value);
    }
    assertThat(reader.readLine()).as("end of stream after the answers").isNull();
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
