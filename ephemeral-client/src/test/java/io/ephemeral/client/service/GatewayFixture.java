package io.ephemeral.client.service;

import io.ephemeral.broker.Broker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/** The gateway under test: the real broker on a private socket path. */
final class GatewayFixture implements AutoCloseable {
  final Path dir;
  final Path socket;
  private Broker broker;

  private GatewayFixture() throws IOException {
    dir = Files.createTempDirectory("svc-");
    socket = dir.resolve("b.sock");
    startBroker();
  }

  static GatewayFixture start() throws IOException {
    return new GatewayFixture();
  }

  private void startBroker() throws IOException {
    broker =
        Broker.builder()
            .environment(Map.of())
            .shutdownHook(false)
            .socketPath(socket)
            .logLevel("warn")
            .build();
    broker.start();
  }

  /** Stops the gateway; every connection closes. */
  void stop() {
    if (broker != null) {
      broker.stop();
      broker = null;
    }
  }

  /** Starts it again on the same path. */
  void restart() throws IOException {
    startBroker();
  }

  /** Calls delivered by the gateway and not yet answered, failed or cancelled. */
  int pendingCalls() {
    return broker.gateway().getStatus().pendingCalls();
  }

  /** A client builder for this gateway with test-friendly defaults. */
  ServiceClient.Builder client(String name) {
    return ServiceClient.builder()
        .serviceName(name)
        .gateway(socket)
        .environment(Map.of())
        .timeout(Duration.ofSeconds(10))
        .reconnectDelay(Duration.ofMillis(50))
        .maxReconnectDelay(Duration.ofMillis(400));
  }

  @Override
  public void close() {
    stop();
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until the condition holds, failing after the timeout. Polls; never a fixed sleep. */
  static void await(String what, Duration timeout, BooleanSupplier condition) {
    long end = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what);
      }
    }
  }

  /**
   * Waits until the threads of closed service clients are gone (the shared callback pool excepted):
   * a test that leaks a connection, a timer or a handler thread fails here.
   */
  static void assertNoServiceThreadsLeft() {
    await(
        "service client threads to end",
        Duration.ofSeconds(10),
        () ->
            Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .noneMatch(
                    n ->
                        n.startsWith("ephemeral-service-")
                            && !n.startsWith("ephemeral-service-callback-")));
  }

  /** Asserts that the condition stays false for the whole period (polling). */
  static void assertNever(String what, Duration period, BooleanSupplier condition) {
    long end = System.nanoTime() + period.toNanos();
    while (System.nanoTime() < end) {
      if (condition.getAsBoolean()) {
        throw new AssertionError("unexpectedly: " + what);
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
