package io.ephemeral.client;

import io.ephemeral.broker.Broker;
import io.ephemeral.broker.ManualClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/** A real broker on a private socket path, with a manual clock, for one test. */
final class BrokerFixture implements AutoCloseable {
  final ManualClock clock = new ManualClock();
  final Path dir;
  final Path socket;
  private final Consumer<Broker.Builder> options;
  private Broker broker;

  private BrokerFixture(Consumer<Broker.Builder> options) throws IOException {
    this.options = options;
    this.dir = Files.createTempDirectory("ebc-");
    this.socket = dir.resolve("b.sock");
  }

  /** A fixture whose broker is not started yet. */
  static BrokerFixture create(Consumer<Broker.Builder> options) throws IOException {
    return new BrokerFixture(options);
  }

  static BrokerFixture start() throws IOException {
    return start(b -> {});
  }

  static BrokerFixture start(Consumer<Broker.Builder> options) throws IOException {
    BrokerFixture f = new BrokerFixture(options);
    f.startBroker();
    return f;
  }

  /**
   * The shared store the fixtures' brokers keep values and leases in: null for the broker's own
   * memory. The Redis store module runs these suites again with a Redis store set here.
   */
  static volatile java.util.function.Function<ManualClock, io.ephemeral.broker.store.RemoteStore>
      store;

  /** Starts a fresh broker (empty store) on the same socket path. */
  void startBroker() throws IOException {
    Broker.Builder b =
        Broker.builder()
            .environment(Map.of())
            .shutdownHook(false)
            .socketPath(socket)
            .clock(clock)
            .logLevel("warn");
    if (store != null) {
      b.store(store.apply(clock));
    }
    options.accept(b);
    broker = b.build();
    broker.start();
  }

  void stopBroker() {
    if (broker != null) {
      broker.stop();
      broker = null;
    }
  }

  Broker broker() {
    return broker;
  }

  /** A client builder for this broker that ignores the process environment. */
  BrokerClient.Builder client() {
    return clientOf(socket);
  }

  /**
   * A client builder for whatever listens on {@code socket} (or nothing), ignoring the environment.
   */
  static BrokerClient.Builder clientOf(Path socket) {
    return BrokerClient.builder().environment(Map.of()).pipe(socket);
  }

  /**
   * Waits until the broker holds at least {@code n} requests in flight besides the health check
   * that asks (a request waiting at the broker is in flight until it is answered).
   */
  static void awaitInFlight(BrokerClient client, int n) {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    while (client.health().connections().inFlight() < n + 1) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError(n + " requests did not come to wait at the broker");
      }
    }
  }

  RawWire raw() throws IOException {
    return new RawWire(socket);
  }

  @Override
  public void close() {
    stopBroker();
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
