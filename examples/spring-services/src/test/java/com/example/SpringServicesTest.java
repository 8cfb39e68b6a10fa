package com.example;

import static org.assertj.core.api.Assertions.assertThat;

import com.example.contracts.Orders;
import com.example.inventory.InventoryApplication;
import com.example.orders.OrdersApplication;
import io.ephemeral.client.BrokerClient;
import io.ephemeral.client.ServicesReport;
import io.ephemeral.client.service.ServiceClient;
import io.ephemeral.client.service.TraceContext;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Starts the two Spring Boot services and the Node pricing service as processes of their own on
 * the broker of this build (EPHEMERAL_PIPE, from ephemeral-maven-plugin), then plays a client:
 * places an order (orders → inventory, orders → pricing), checks out (orders gives up on a slow
 * inventory audit, which is cancelled), and has Node call orders. Each service logs to
 * target/logs/NAME.log with the trace id of the call it serves.
 */
class SpringServicesTest {
  private static final Path LOGS = Path.of(System.getProperty("services.logs"));
  private static final Pattern TRACE = Pattern.compile("\\[traceId=([0-9a-f]{32})\\]");
  private static final List<Process> PROCESSES = new ArrayList<>();
  private static Process node;
  private static OutputStream nodeIn;
  private static BufferedReader nodeOut;

  @BeforeAll
  static void startServices() throws Exception {
    Files.createDirectories(LOGS);
    java("inventory", InventoryApplication.class);
    java("orders", OrdersApplication.class);
    String script = System.getProperty("node.service");
    node =
        new ProcessBuilder(
                "node", script, System.getenv("EPHEMERAL_PIPE"), "json", "pricing")
            .redirectError(LOGS.resolve("pricing.log").toFile())
            .start();
    PROCESSES.add(node);
    nodeIn = node.getOutputStream();
    nodeOut =
        new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
    assertThat(nodeOut.readLine()).as("the Node service registered").contains("ready");
    try (BrokerClient broker = BrokerClient.fromEnvironment()) {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (true) {
        ServicesReport report = broker.services();
        List<String> names =
            report.services().stream().map(ServicesReport.Service::name).toList();
        if (names.containsAll(List.of("orders", "inventory", "pricing"))) {
          break;
        }
        assertThat(System.nanoTime()).as("services up within 90 s, have " + names).isLessThan(end);
        Thread.sleep(200);
      }
    }
  }

  private static void java(String name, Class<?> main) throws IOException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p =
        new ProcessBuilder(
                java.toString(), "-cp", System.getProperty("java.class.path"), main.getName())
            .redirectErrorStream(true)
            .redirectOutput(LOGS.resolve(name + ".log").toFile())
            .start();
    PROCESSES.add(p);
  }

  @AfterAll
  static void stopServices() throws InterruptedException {
    for (Process p : PROCESSES) {
      p.destroy(); // SIGTERM: Spring closes its context, the services unregister
    }
    for (Process p : PROCESSES) {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }

  @Test
  void theServicesCallEachOtherWithOneTraceIdAndACancelledAudit() throws Exception {
    // The client is anonymous, and starts a trace like an edge gateway would.
    try (ServiceClient client =
        ServiceClient.builder()
            .timeout(Duration.ofSeconds(20))
            .interceptor(TraceContext.propagator())
            .build()) {
      client.connect();
      Orders orders = client.proxy(Orders.class);

      Orders.Order order = orders.place("book", 2);
      assertThat(order.total()).as("2 x 7, plus 5 from Node").isEqualTo(19);

      assertThat(orders.checkout("book")).isEqualTo("checked out book without an audit");
    }
    String status = nodeCall("{\"op\":\"call\",\"to\":\"orders\",\"method\":\"status\","
        + "\"params\":\"order-1\",\"timeout\":10000}");
    assertThat(status).contains("\"ok\":true").contains("order-1 is placed");

    String placed = awaitLine("orders", "placing an order of 2 x book");
    assertThat(traceId(awaitLine("inventory", "reserving 2 x book"))).isEqualTo(traceId(placed));
    String gaveUp = awaitLine("orders", "gave up on the audit of book (TIMEOUT)");
    String cancelled = awaitLine("inventory", "audit of book cancelled: the caller gave up (cancelled=true)");
    assertThat(traceId(cancelled)).isEqualTo(traceId(gaveUp));
    awaitLine("orders", "status of order-1 asked");
  }

  private static String nodeCall(String command) throws IOException {
    nodeIn.write((command + "\n").getBytes(StandardCharsets.UTF_8));
    nodeIn.flush();
    return nodeOut.readLine();
  }

  /** The first line of a service's log that contains {@code text}, waiting up to 20 s for it. */
  private static String awaitLine(String service, String text) throws Exception {
    Path log = LOGS.resolve(service + ".log");
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
        if (line.contains(text)) {
          return line;
        }
      }
      assertThat(System.nanoTime())
          .as("'" + text + "' in " + log + ":\n" + Files.readString(log))
          .isLessThan(end);
      Thread.sleep(100);
    }
  }

  private static String traceId(String line) {
    Matcher m = TRACE.matcher(line);
    assertThat(m.find()).as("a trace id in: " + line).isTrue();
    return m.group(1);
  }
}
