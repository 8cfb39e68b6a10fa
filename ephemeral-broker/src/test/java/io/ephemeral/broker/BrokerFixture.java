package io.ephemeral.broker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/** A real broker on a real socket for one test, plus raw wire clients to talk to it. */
public final class BrokerFixture implements AutoCloseable {
  public static final ObjectMapper JSON = new ObjectMapper();

  public final ManualClock clock = new ManualClock();
  public final Broker broker;
  public final Path socket;
  private final List<WireClient> clients = new ArrayList<>();
  private WireClient main;

  public BrokerFixture() throws IOException {
    this(b -> b);
  }

  /**
   * The shared store the fixtures' brokers keep values and leases in: null for the broker's own
   * memory. The Redis store module runs these suites again with a Redis store set here.
   */
  public static volatile java.util.function.Function<
          ManualClock, io.ephemeral.broker.store.RemoteStore>
      store;

  public BrokerFixture(UnaryOperator<Broker.Builder> options) throws IOException {
    Broker.Builder b = Broker.builder().clock(clock).environment(Map.of()).shutdownHook(false);
    if (store != null) {
      b.store(store.apply(clock));
    }
    broker = options.apply(b).build();
    socket = broker.start();
  }

  public WireClient client() {
    try {
      WireClient c = new WireClient(socket);
      clients.add(c);
      return c;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One request over the fixture's main connection; returns the raw response line. */
  public String call(String json) {
    try {
      if (main == null) {
        main = client();
      }
      return main.call(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public JsonNode callJson(String json) {
    try {
      return JSON.readTree(call(json));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A round trip on a fresh connection. Timers due before the call have run by the time it returns,
   * because the loop runs due timers at the end of the turn that answered it.
   */
  public void sync() {
    try (WireClient c = new WireClient(socket)) {
      c.call("{\"action\":\"ping\"}");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    for (WireClient c : clients) {
      try {
        c.close();
      } catch (IOException ignored) {
        // closing test sockets
      }
    }
    broker.stop();
  }
}
