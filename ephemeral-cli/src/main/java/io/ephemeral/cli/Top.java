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
import java.util.HashMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code brokerctl top}: a live view of a broker — ops/s and p99 per action, items, leases,
 * services, connections, memory — redrawn every interval until q, Ctrl-C or the broker goes away.
 * With {@code --once} it samples over one interval, prints a single frame and exits.
 */
final class Top {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String CLEAR = "\033[H\033[2J";

  private final BrokerClient client;
  private final PrintWriter out;
  private final Duration interval;

  Top(BrokerClient client, PrintWriter out, Duration interval) {
    this.client = client;
    this.out = out;
    this.interval = interval;
  }

  /** One frame sampled over one interval. */
  int once() throws InterruptedException, IOException {
    Sample first = sample();
    Thread.sleep(interval.toMillis());
    out.print(frame(first, sample()));
    out.flush();
    return 0;
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
        out.print(CLEAR + frame(last, next) + "q to quit\n");
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

  static String frame(Sample before, Sample after) {
    double seconds = Math.max(1e-3, (after.nanos - before.nanos) / 1e9);
    StringBuilder sb = new StringBuilder();
    BrokerStats s = after.stats;
    JsonNode conn = after.metrics.path("connections");
    sb.append(
        String.format(
            Locale.ROOT,
            "ephemeral-broker  up %ds  items %d/%s  leases %d (waiting %d)  services %d%n",
            s.uptime() / 1000,
            s.items(),
            s.capacity().maxItems() == 0 ? "unlimited" : String.valueOf(s.capacity().maxItems()),
            s.leases(),
            s.leaseWaiters(),
            after.services.services().size()));
    sb.append(
        String.format(
            Locale.ROOT,
            "connections %d  heap %.1f MB  rss %.1f MB  total %.0f ops/s%n",
            conn.path("current").asLong(),
            s.memory().heapUsed() / 1048576.0,
            s.memory().rss() / 1048576.0,
            (after.metrics.path("requests").path("total").asLong()
                    - before.metrics.path("requests").path("total").asLong())
                / seconds));
    sb.append(
        String.format(
            Locale.ROOT,
            "%n%-12s %10s %10s %10s %10s%n",
            "ACTION",
            "OPS/S",
            "ERR/S",
            "P99 MS",
            "TOTAL"));
    JsonNode actions = after.metrics.path("actions");
    Map<String, JsonNode> previous = new HashMap<>();
    before
        .metrics
        .path("actions")
        .fields()
        .forEachRemaining(e -> previous.put(e.getKey(), e.getValue()));
    for (Iterator<Map.Entry<String, JsonNode>> it = actions.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode now = e.getValue();
      JsonNode then = previous.get(e.getKey());
      long requests =
          now.path("requests").asLong() - (then == null ? 0 : then.path("requests").asLong());
      long errors = now.path("errors").asLong() - (then == null ? 0 : then.path("errors").asLong());
      sb.append(
          String.format(
              Locale.ROOT,
              "%-12s %10.0f %10.0f %10.3f %10d%n",
              e.getKey(),
              requests / seconds,
              errors / seconds,
              now.path("latency").path("p99").asDouble(),
              now.path("requests").asLong()));
    }
    if (!after.services.services().isEmpty()) {
      sb.append(
          String.format(
              Locale.ROOT,
              "%n%-20s %6s %10s %10s %8s%n",
              "SERVICE",
              "CONNS",
              "CALLS IN",
              "CALLS OUT",
              "PENDING"));
      for (ServicesReport.Service svc : after.services.services()) {
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
