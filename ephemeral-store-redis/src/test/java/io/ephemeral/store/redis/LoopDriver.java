package io.ephemeral.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.ephemeral.broker.store.RemoteStore;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/** Drives a {@link RemoteStore.LoopConnection} as the broker's event loop does, for one batch. */
final class LoopDriver {
  private LoopDriver() {}

  /** Sends the calls, writes and reads until their results are in, and returns them. */
  static List<Object> roundTrip(
      RemoteStore.LoopConnection connection, List<RemoteStore.Call<?>> calls) throws Exception {
    AtomicReference<List<Object>> results = new AtomicReference<>();
    connection.send(calls, results::set);
    try (Selector selector = Selector.open()) {
      SelectionKey key = connection.channel().register(selector, SelectionKey.OP_WRITE);
      long deadline = System.nanoTime() + RedisServer.TEST_TIMEOUT.toNanos();
      while (results.get() == null) {
        assertThat(System.nanoTime()).as("answered").isLessThan(deadline);
        selector.select(100);
        if (key.isValid() && key.isWritable() && connection.flush()) {
          key.interestOps(SelectionKey.OP_READ);
        }
        if (key.isValid() && key.isReadable()) {
          connection.read();
        }
        selector.selectedKeys().clear();
      }
      key.cancel();
    }
    return results.get();
  }
}
