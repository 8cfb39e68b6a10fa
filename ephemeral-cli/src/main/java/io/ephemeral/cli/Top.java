package io.ephemeral.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ephemeral.client.BrokerClient;
import io.ephemeral.client.BrokerConnectionException;
import io.ephemeral.client.BrokerStats;
import io.ephemeral.client.ServicesReport;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code brokerctl top}: a live view of a broker — ops/s and p99 per action, items, leases,
 * services, connections, memory — redrawn every interval until q, Ctrl-C or the broker goes away.
 * With {@code --once} it samples over one interval, prints a single frame and exits.
 */
record Top(BrokerClient client, PrintWriter out, Duration interval) {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String CLEAR = "\033[H\033[2J";

  /** One frame sampled over one interval, as text. */
  String once() throws InterruptedException, IOException {
    Sample first = sample();
    Thread.sleep(interval.toMillis());
    return text(frame(first, sample()));
  }

  /** One frame sampled over one interval, as one JSON document. */
  String onceAsJson(ObjectMapper mapper) throws InterruptedException, IOException {
    Sample first = sample();
    Thread.sleep(interval.toMillis());
    return mapper.writeValueAsString(frame(first, sample()));
  }

  /** Redraws until q or the broker closes; returns the exit status. */
  int live(InputStream keys) throws IOException {
    // Single keys without Enter: the terminal leaves line mode while top runs (and gets it back
    // on every way out, Ctrl-C included).
    boolean terminal = System.console() != null && stty("-icanon -echo min 1");
    Thread restore = new Thread(() -> stty("icanon echo"));
    if (terminal) {
      Runtime.getRuntime().addShutdownHook(restore);
    }
    try {
      return redraw(keys);
    } finally {
      if (terminal) {
        stty("icanon echo");
        Runtime.getRuntime().removeShutdownHook(restore);
      }
    }
  }

  private static boolean stty(String settings) {
    try {
      return new ProcessBuilder("sh", "-c", "stty " + settings + " < /dev/tty")
              .inheritIO()
              .start()
              .waitFor()
          == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private int redraw(InputStream keys) throws IOException {
    AtomicBoolean quit = new AtomicBoolean();
    Thread reader =
        new Thread(
            () -> {
              try {
                int c;
                while ((c = keys.read()) >= 0) {
                  if (c == 'q' || c == 'Q' || c == 3) {
                    break;
                  }
                }
              } catch (IOException ignored) {
                // the terminal went away: stop as well
              }
              quit.set(true);
            },
            "brokerctl-top-keys");
    reader.setDaemon(true);
    reader.start();
    try {
      Sample last = sample();
      while (!quit.get()) {
        long until = System.nanoTime() + interval.toNanos();
        while (!quit.get() && System.nanoTime() < until) {
          Thread.sleep(Math.min(50, interval.toMillis()));
        }
        if (quit.get()) {
          break;
        }
        Sample next = sample();
        out.print(CLEAR + text(frame(last, next)) + "q to quit\n");
        out.flush();
        last = next;
      }
      return 0;
    } catch (BrokerConnectionException e) {
      out.println();
      out.println("broker closed: " + e.getMessage());
      out.flush();
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }

  private record Sample(long nanos, JsonNode metrics, BrokerStats stats, ServicesReport services) {}

  private Sample sample() throws IOException {
    JsonNode metrics = MAPPER.readTree(client.metricsJson());
    return new Sample(System.nanoTime(), metrics, client.stats(), client.services());
  }

  /** What one frame shows: rates over the interval between two samples. */
  record Frame(
      double intervalSeconds,
      long uptimeSeconds,
      long items,
      long maxItems,
      long leases,
      long leaseWaiters,
      long connections,
      long heapUsed,
      long rss,
      double opsPerSecond,
      List<ActionRates> actions,
      List<ServicesReport.Service> services) {}

  /** One action's line: requests and errors per second over the interval, p99, total. */
  record ActionRates(
      String action, double opsPerSecond, double errorsPerSecond, double p99Ms, long total) {}

  static Frame frame(Sample before, Sample after) {
    double seconds = Math.max(1e-3, (after.nanos - before.nanos) / 1e9);
    BrokerStats s = after.stats;
    Map<String, JsonNode> previous = new HashMap<>();
    before
        .metrics
        .path("actions")
        .fields()
        .forEachRemaining(e -> previous.put(e.getKey(), e.getValue()));
    List<ActionRates> actions = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = after.metrics.path("actions").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode now = e.getValue();
      JsonNode then = previous.get(e.getKey());
      long requests =
          now.path("requests").asLong() - (then == null ? 0 : then.path("requests").asLong());
      long errors = now.path("errors").asLong() - (then == null ? 0 : then.path("errors").asLong());
      actions.add(
          new ActionRates(
              e.getKey(),
              requests / seconds,
              errors / seconds,
              now.path("latency").path("p99").asDouble(),
              now.path("requests").asLong()));
    }
    return new Frame(
        seconds,
        s.uptime() / 1000,
        s.items(),
        s.capacity().maxItems(),
        s.leases(),
        s.leaseWaiters(),
        after.metrics.path("connections").path("current").asLong(),
        s.memory().heapUsed(),
        s.memory().rss(),
        (after.metrics.path("requests").path("total").asLong()
                - before.metrics.path("requests").path("total").asLong())
            / seconds,
        actions,
        after.services.services());
  }

  static String text(Frame f) {
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "ephemeral-broker  up %ds  items %d/%s  leases %d (waiting %d)  services %d%n",
            f.uptimeSeconds(),
            f.items(),
            f.maxItems() == 0 ? "unlimited" : String.valueOf(f.maxItems()),
            f.leases(),
            f.leaseWaiters(),
            f.services().size()));
    sb.append(
        String.format(
            Locale.ROOT,
            "connections %d  heap %.1f MB  rss %.1f MB  total %.0f ops/s%n",
            f.connections(),
            f.heapUsed() / 1048576.0,
            f.rss() / 1048576.0,
            f.opsPerSecond()));
    sb.append(
        String.format(
            Locale.ROOT,
            "%n%-12s %10s %10s %10s %10s%n",
            "ACTION",
            "OPS/S",
            "ERR/S",
            "P99 MS",
            "TOTAL"));
    for (ActionRates a : f.actions()) {
      sb.append(
          String.format(
              Locale.ROOT,
              "%-12s %10.0f %10.0f %10.3f %10d%n",
              a.action(),
              a.opsPerSecond(),
              a.errorsPerSecond(),
              a.p99Ms(),
              a.total()));
    }
    if (!f.services().isEmpty()) {
      sb.append(
          String.format(
              Locale.ROOT,
              "%n%-20s %6s %10s %10s %8s%n",
              "SERVICE",
              "CONNS",
              "CALLS IN",
              "CALLS OUT",
              "PENDING"));
      for (ServicesReport.Service svc : f.services()) {
        sb.append(
            String.format(
                Locale.ROOT,
                "%-20s %6d %10d %10d %8d%n",
                svc.name(),
                svc.connections(),
                svc.callsReceived(),
                svc.callsMade(),
                svc.pending()));
      }
    }
    return sb.toString();
  }
}
