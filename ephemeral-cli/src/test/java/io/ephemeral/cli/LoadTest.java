package io.ephemeral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.UnixOperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Short load runs against a real broker process: 1,000 connections open at once doing mixed work,
 * and 10,000 lease holders. Every answer is checked in order and counted; the broker's heap right
 * after a full collection and its open file descriptors are read from outside ({@link JvmProbe})
 * before, under and after the load. The long version is the soak ({@code bin/ephemeral-bench
 * soak}).
 */
class LoadTest {

  private static final long SEED = 20240611L;
  private static final int CONNECTIONS = 1_000;
  private static final int THREADS = 8;
  private static final int ROUNDS = 20;
  private static final int HOLDERS = 10_000;

  /** Heap a broker may keep after the load is gone (tables grown to their peak size, JIT data). */
  private static final long RETAINED_BOUND = 4L << 20;

  /**
   * Serial GC's full collections may leave up to 5% of the old generation's dead objects in place
   * (MarkSweepDeadRatio) rather than move live ones: with that off, heap used right after a
   * collection is the live heap.
   */
  static final Map<String, String> MEASURABLE =
      Map.of("JAVA_TOOL_OPTIONS", "-XX:MarkSweepDeadRatio=0");

  @TempDir Path dir;

  @Test
  void thousandConcurrentConnectionsDoingMixedWorkGetEveryAnswerAndLeaveNothingBehind()
      throws Exception {
    long fdLimit =
        ((UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
            .getMaxFileDescriptorCount();
    assertThat(fdLimit)
        .as("open files limit (ulimit -n) of the test JVM; the test needs 1,000 connections")
        .isGreaterThan(CONNECTIONS + 500);
    Path socket = dir.resolve("broker.sock");
    try (Cli broker = Cli.start(dir, MEASURABLE, "start", "--socket", socket.toString());
        Line control = new Line(broker.awaitSocket());
        JvmProbe probe = new JvmProbe(broker.process().pid())) {
      long heapBefore = probe.heapAfterGc();
      long fdsBefore = probe.openFds();

      List<Line> lines = new ArrayList<>();
      long heapLoaded;
      long fdsLoaded;
      AtomicLong sent = new AtomicLong();
      AtomicLong answered = new AtomicLong();
      try {
        for (int i = 0; i < CONNECTIONS; i++) {
          lines.add(new Line(socket));
        }
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
          List<Future<?>> work = new ArrayList<>();
          for (int t = 0; t < THREADS; t++) {
            int thread = t;
            work.add(pool.submit(() -> mixedWork(thread, lines, sent, answered)));
          }
          for (Future<?> f : work) {
            f.get(2, TimeUnit.MINUTES);
          }
        } finally {
          pool.shutdownNow();
        }
        String health = control.call("{\"action\":\"health\"}");
        assertThat(Line.number(health, "open")).as(health).isEqualTo(CONNECTIONS + 1);
        heapLoaded = probe.heapAfterGc();
        fdsLoaded = probe.openFds();
      } finally {
        lines.forEach(Line::close);
      }
      assertThat(answered.get()).isEqualTo(sent.get()).isEqualTo((long) CONNECTIONS * ROUNDS * 6);
      assertThat(fdsLoaded - fdsBefore)
          .as("broker fds with every connection open")
          .isGreaterThanOrEqualTo(CONNECTIONS);

      awaitOnlyControlOpen(control);
      String stats = control.call("{\"action\":\"stats\"}");
      assertThat(Line.number(stats, "items")).as(stats).isZero();
      assertThat(Line.number(stats, "leases")).as(stats).isZero();
      long heapAfter = probe.heapAfterGc();
      long fdsAfter = probe.openFds();
      System.out.printf(
          "1,000 connections: %d requests, %d answers; broker heap after GC %d KB before, %d KB with"
              + " the connections open, %d KB after; fds %d, %d, %d%n",
          sent.get(),
          answered.get(),
          heapBefore >> 10,
          heapLoaded >> 10,
          heapAfter >> 10,
          fdsBefore,
          fdsLoaded,
          fdsAfter);
      assertThat(fdsAfter)
          .as("broker fds after the connections closed")
          .isLessThanOrEqualTo(fdsBefore + 2);
      assertThat(heapAfter - heapBefore)
          .as("heap the broker kept after the load")
          .isLessThan(Math.min(RETAINED_BOUND, (heapLoaded - heapBefore) / 2));
    }
  }

  /** Rounds of set, get, lease, release, del, ping on each of this thread's connections. */
  private static Void mixedWork(int thread, List<Line> all, AtomicLong sent, AtomicLong answered)
      throws IOException {
    Random random = new Random(SEED + thread);
    List<Integer> mine = new ArrayList<>();
    for (int c = thread; c < all.size(); c += THREADS) {
      mine.add(c);
    }
    Map<Integer, String> values = new HashMap<>();
    for (int round = 0; round < ROUNDS; round++) {
      for (int c : mine) {
        String value = "v" + round + "-" + "x".repeat(random.nextInt(1_500));
        values.put(c, value);
        String key = "k-" + c;
        all.get(c)
            .send(
                "{\"action\":\"set\",\"key\":\""
                    + key
                    + "\",\"value\":\""
                    + value
                    + "\",\"ttl\":60000}\n"
                    + "{\"action\":\"get\",\"key\":\""
                    + key
                    + "\"}\n"
                    + "{\"action\":\"lease\",\"key\":\"pool-"
                    + (c % 50)
                    + "\",\"workerId\":\"w-"
                    + c
                    + "\",\"ttl\":60000}\n"
                    + "{\"action\":\"release\",\"workerId\":\"w-"
                    + c
                    + "\"}\n"
                    + "{\"action\":\"del\",\"key\":\""
                    + key
                    + "\"}\n"
                    + "{\"action\":\"ping\"}\n");
        sent.addAndGet(6);
      }
      for (int c : mine) {
        Line line = all.get(c);
        expect(line, answered, "{\"ok\":true}");
        expect(line, answered, "{\"ok\":true,\"value\":\"" + values.get(c) + "\"");
        expect(line, answered, "{\"ok\":true,\"value\":");
        expect(line, answered, "{\"ok\":true,\"released\":true}");
        expect(line, answered, "{\"ok\":true");
        expect(line, answered, "{\"ok\":true,\"pong\":");
      }
    }
    return null;
  }

  private static void expect(Line line, AtomicLong answered, String prefix) throws IOException {
    String answer = line.readLine();
    if (answer == null || !answer.startsWith(prefix)) {
      throw new AssertionError(
          "expected an answer starting with "
              + prefix.substring(0, Math.min(60, prefix.length()))
              + ", got "
              + answer);
    }
    answered.incrementAndGet();
  }

  @Test
  void tenThousandLeaseHoldersGetDistinctSlotsAndReleasingThemFreesTheirMemory() throws Exception {
    Path socket = dir.resolve("broker.sock");
    int connections = 10;
    int each = HOLDERS / connections;
    try (Cli broker = Cli.start(dir, MEASURABLE, "start", "--socket", socket.toString());
        Line control = new Line(broker.awaitSocket());
        JvmProbe probe = new JvmProbe(broker.process().pid())) {
      // The first use of each action sets up its metrics: do that before the baseline.
      control.call("{\"action\":\"lease\",\"key\":\"warm-up\",\"workerId\":\"w\",\"ttl\":600000}");
      control.call("{\"action\":\"release\",\"workerId\":\"w\"}");
      control.call("{\"action\":\"stats\"}");
      long heapBefore = probe.heapAfterGc();

      // Each phase on connections of its own, measured once they are closed: what stays is the
      // leases (or what they left behind), not the connections' buffers.
      Phases phases = new Phases(socket, control, connections, each);
      long[] slots = new long[HOLDERS];
      java.util.function.IntFunction<String> holderLease =
          w ->
              "{\"action\":\"lease\",\"key\":\"holders\",\"workerId\":\"h-"
                  + w
                  + "\",\"ttl\":600000}";
      phases.run(holderLease, (w, answer) -> slots[w] = Line.number(answer, "value"));
      TreeSet<Long> distinct = new TreeSet<>();
      for (long s : slots) {
        distinct.add(s);
      }
      assertThat(distinct).as("slots of 10,000 holders").hasSize(HOLDERS);
      assertThat(distinct.first()).isZero();
      assertThat(distinct.last()).isEqualTo(HOLDERS - 1);
      String stats = control.call("{\"action\":\"stats\"}");
      assertThat(Line.number(stats, "leases")).as(stats).isEqualTo(HOLDERS);
      long heapHeld = probe.heapAfterGc();

      // Renewing keeps each holder's slot.
      phases.run(
          holderLease, (w, answer) -> assertThat(Line.number(answer, "value")).isEqualTo(slots[w]));
      phases.run(
          w -> "{\"action\":\"release\",\"workerId\":\"h-" + w + "\"}",
          (w, answer) -> assertThat(answer).isEqualTo("{\"ok\":true,\"released\":true}"));
      stats = control.call("{\"action\":\"stats\"}");
      assertThat(Line.number(stats, "leases")).as(stats).isZero();
      long heapAfter = probe.heapAfterGc();
      System.out.printf(
          "10,000 lease holders: broker heap after GC %d KB before, %d KB while held, %d KB after"
              + " release%n",
          heapBefore >> 10, heapHeld >> 10, heapAfter >> 10);
      assertThat(heapHeld - heapBefore).as("heap of 10,000 leases").isPositive();
      assertThat(heapAfter - heapBefore)
          .as("heap kept after releasing every lease")
          .isLessThan(Math.min(RETAINED_BOUND, (heapHeld - heapBefore) / 2));
    }
  }

  /**
   * Phases of requests to the broker on {@code socket}: each on {@code connections} connections of
   * its own, {@code each} requests per connection.
   */
  private record Phases(Path socket, Line control, int connections, int each) {
    /** {@link #pipeline} on fresh connections, closed afterwards and seen closed by the broker. */
    void run(java.util.function.IntFunction<String> request, Check check) throws IOException {
      List<Line> lines = new ArrayList<>();
      try {
        for (int i = 0; i < connections; i++) {
          lines.add(new Line(socket));
        }
        pipeline(lines, each, request, check);
      } finally {
        lines.forEach(Line::close);
      }
      awaitOnlyControlOpen(control);
    }
  }

  /** Waits until the broker has closed every connection but {@code control}. */
  private static void awaitOnlyControlOpen(Line control) {
    Cli.await(
        "the broker to see the connections close",
        () -> {
          try {
            return Line.number(control.call("{\"action\":\"health\"}"), "open") == 1;
          } catch (IOException e) {
            throw new AssertionError(e);
          }
        });
  }

  interface Check {
    void answer(int worker, String answer);
  }

  /**
   * Sends one request per worker, {@code each} per connection in chunks, checking every answer in
   * order.
   */
  private static void pipeline(
      List<Line> lines, int each, java.util.function.IntFunction<String> request, Check check)
      throws IOException {
    int chunk = 250;
    for (int from = 0; from < each; from += chunk) {
      for (int c = 0; c < lines.size(); c++) {
        StringBuilder batch = new StringBuilder();
        for (int i = from; i < from + chunk; i++) {
          batch.append(request.apply(c * each + i)).append('\n');
        }
        lines.get(c).send(batch.toString());
      }
      for (int c = 0; c < lines.size(); c++) {
        for (int i = from; i < from + chunk; i++) {
          String answer = lines.get(c).readLine();
          assertThat(answer).as("answer for worker %d", c * each + i).startsWith("{\"ok\":true");
          check.answer(c * each + i, answer);
        }
      }
    }
  }
}
