package io.ephemeral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM to a serving broker (a real {@code ephemeral-broker start} process) while 8 writers
 * pipeline {@code set} requests on raw connections and keep writing until the broker closes them.
 *
 * <p>The proof that no accepted write is lost, by counting: each writer numbers its requests
 * ({@code id} 0, 1, 2, ...) and checks that the answers arrive in that order, each {@code ok},
 * until its connection closes. The broker logs, as it exits, how many request lines it accepted
 * (took in and executed) and how many of those it could not answer. The test asserts that the
 * broker accepted exactly as many requests as the writers received answers and left none
 * unanswered: since every connection is answered in order, each request a writer got no answer for
 * is one the broker never executed.
 */
class SigtermUnderLoadTest {

  private static final int WRITERS = 8;
  private static final int BATCH = 50;

  /** Answers each writer must have had before the signal: the load is under way. */
  private static final int WARM = 2_000;

  private static final Pattern SUMMARY =
      Pattern.compile("Requests answered \\(accepted=(\\d+) answered=(\\d+) unanswered=(\\d+)\\)");

  @TempDir Path dir;

  @Test
  void everyRequestTheBrokerAcceptedIsAnsweredBeforeItExits() throws Exception {
    Path socket = dir.resolve("broker.sock");
    try (Cli cli = Cli.start(dir, "start", "--socket", socket.toString())) {
      cli.awaitSocket();
      List<Writer> writers = new ArrayList<>();
      for (int i = 0; i < WRITERS; i++) {
        writers.add(new Writer(i, socket));
      }
      writers.forEach(Writer::start);
      Cli.await(
          "every writer to have " + WARM + " answers",
          () -> writers.stream().allMatch(w -> w.answered.get() >= WARM || w.failure != null));
      long[] writtenAtSignal = writers.stream().mapToLong(w -> w.written.get()).toArray();

      cli.signal("TERM");

      assertThat(cli.exitStatus()).as(cli.describe()).isZero();
      for (Writer w : writers) {
        w.join();
      }
      long answered = 0;
      long written = 0;
      for (Writer w : writers) {
        assertThat(w.failure).as("writer %d", w.index).isNull();
        assertThat(w.end).as("writer %d saw its connection close", w.index).isNotNull();
        answered += w.answered.get();
        written += w.written.get();
      }
      Matcher summary = SUMMARY.matcher(cli.stderr());
      assertThat(summary.find()).as(cli.describe()).isTrue();
      long accepted = Long.parseLong(summary.group(1));
      assertThat(Long.parseLong(summary.group(3))).as("accepted requests left unanswered").isZero();
      assertThat(Long.parseLong(summary.group(2))).isEqualTo(accepted);
      assertThat(accepted)
          .as("requests the broker accepted = answers the writers received")
          .isEqualTo(answered);
      long beforeSignal = java.util.Arrays.stream(writtenAtSignal).sum();
      System.out.printf(
          "SIGTERM under load: %d requests written (%d before the signal), %d accepted,"
              + " %d answered, 0 unanswered%n",
          written, beforeSignal, accepted, answered);
    }
  }

  /** One connection: a thread that pipelines numbered sets, one that checks their answers. */
  private static final class Writer {
    final int index;
    final Line line;
    final AtomicLong written = new AtomicLong();
    final AtomicLong answered = new AtomicLong();
    volatile String failure;
    volatile String end;
    private final Thread writer;
    private final Thread reader;

    Writer(int index, Path socket) {
      this.index = index;
      this.line = new Line(socket);
      this.writer = new Thread(this::write, "writer-" + index);
      this.reader = new Thread(this::read, "reader-" + index);
    }

    void start() {
      reader.start();
      writer.start();
    }

    void join() throws InterruptedException {
      writer.join(Cli.DEADLINE.toMillis());
      reader.join(Cli.DEADLINE.toMillis());
      assertThat(writer.isAlive() || reader.isAlive())
          .as("writer %d still running", index)
          .isFalse();
      line.close();
    }

    private void write() {
      long deadline = System.nanoTime() + Cli.DEADLINE.toNanos();
      StringBuilder batch = new StringBuilder();
      long n = 0;
      try {
        while (end == null && System.nanoTime() - deadline < 0) {
          batch.setLength(0);
          for (int i = 0; i < BATCH; i++, n++) {
            batch
                .append("{\"action\":\"set\",\"key\":\"w")
                .append(index)
                .append("\",\"value\":")
                .append(n)
                .append(",\"ttl\":60000,\"id\":")
                .append(n)
                .append("}\n");
          }
          line.send(batch.toString());
          written.addAndGet(BATCH);
        }
      } catch (IOException closed) {
        // The broker closed the connection: nothing more can be written.
      }
    }

    private void read() {
      long expected = 0;
      try {
        String answer;
        while ((answer = line.readLine()) != null) {
          if (!answer.equals("{\"ok\":true,\"id\":" + expected + "}")) {
            failure = "answer " + expected + " was " + answer;
            return;
          }
          expected++;
          answered.incrementAndGet();
        }
        end = "end of stream";
      } catch (IOException e) {
        end = String.valueOf(e.getMessage()); // e.g. a reset when unread requests were discarded
      }
    }
  }
}
