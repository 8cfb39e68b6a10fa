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

/**
 * The gateway under test: the real broker on a private socket path, or, with
 * {@code -Dephemeral.test.gateway=fake}, the {@link RoutingGateway} stand-in.
 */
final class GatewayFixture implements AutoCloseable {
  static final boolean FAKE = "fake".equals(System.getProperty("ephemeral.test.gateway"));

  final Path dir;
  final Path socket;
  private Broker broker;
  private RoutingGateway fake;

  private GatewayFixture() throws IOException {
    if (FAKE) {
      fake = new RoutingGateway();
      dir = fake.dir;
      socket = fake.socket;
    } else {
      dir = Files.createTempDirectory("svc-");
      socket = dir.resolve("b.sock");
      startBroker();
    }
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
  void stop() throws IOException {
    if (fake != null) {
      fake.stop();
    } else if (broker != null) {
      broker.stop();
      broker = null;
    }
  }

  /** Starts it again on the same path. */
  void restart() throws IOException {
    if (fake != null) {
      fake.start();
    } else {
      startBroker();
    }
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
    try {
      if (fake != null) {
        fake.close();
      } else {
        stop();
        try (Stream<Path> s = Files.walk(dir)) {
          s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
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
      Thread.onSpinWait();
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what);
      }
    }
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
