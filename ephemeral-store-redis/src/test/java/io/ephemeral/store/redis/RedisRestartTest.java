package io.ephemeral.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ephemeral.broker.Broker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;

/**
 * The real redis-server is killed (SIGKILL) under load and started again on the same port: while it
 * is gone every request is answered {@code store_unavailable} with a message, within the timeout;
 * nothing answers stale or invented data; service resumes by itself; and with Redis's append-only
 * file fsynced on every write, no acknowledged write is lost and fencing tokens keep growing across
 * the restart.
 */
class RedisRestartTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int WRITERS = 4;

  @Test
  void killedAndRestartedUnderLoad() throws Exception {
    try (RedisServer redis =
        RedisServer.start(
            List.of("--save", "", "--appendonly", "yes", "--appendfsync", "always"))) {
      RedisStore store =
          RedisStore.builder()
              .standalone(redis.address())
              .prefix(RedisServer.freshPrefix())
              .timeout(Duration.ofMillis(300))
              .build();
      try (Broker broker =
          Broker.builder()
              .environment(Map.of())
              .shutdownHook(false)
              .logLevel("error")
              .store(store)
              .build()) {
        Path socket = broker.start();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLongArray attempted = new AtomicLongArray(WRITERS); // highest value sent per key
        AtomicLongArray acked = new AtomicLongArray(WRITERS); // highest value acknowledged per key
        AtomicLong unavailable = new AtomicLong();
        AtomicLong okAfterRestart = new AtomicLong();
        AtomicBoolean restarted = new AtomicBoolean();
        AtomicLong slowest = new AtomicLong();
        ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
        List<Long> tokens = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(WRITERS * 2 + 1);
        List<Future<?>> load = new ArrayList<>();
        for (int i = 0; i < WRITERS; i++) {
          int k = i;
          load.add(
              pool.submit(
                  () -> { // writer: k -> 1, 2, 3, ...
                    try (Line c = new Line(socket)) {
                      for (long v = 1; !stop.get(); v++) {
                        attempted.set(k, v);
                        JsonNode r =
                            c.call(
                                "{\"action\":\"set\",\"key\":\"k"
                                    + k
                                    + "\",\"value\":"
                                    + v
                                    + ",\"ttl\":600000}",
                                slowest);
                        if (r.get("ok").asBoolean()) {
                          acked.set(k, v);
                          if (restarted.get()) {
                            okAfterRestart.incrementAndGet();
                          }
                        } else {
                          checkUnavailable(r, wrong, unavailable);
                        }
                      }
                    }
                    return null;
                  }));
          load.add(
              pool.submit(
                  () -> { // reader: never a value that was not written, never older than
                    // acknowledged
                    try (Line c = new Line(socket)) {
                      while (!stop.get()) {
                        long floor = acked.get(k);
                        JsonNode r = c.call("{\"action\":\"get\",\"key\":\"k" + k + "\"}", slowest);
                        long ceiling = attempted.get(k);
                        if (r.get("ok").asBoolean()) {
                          long v = r.get("value").asLong();
                          if (v < floor || v > ceiling) {
                            wrong.add(
                                "k"
                                    + k
                                    + " read "
                                    + v
                                    + ", acknowledged "
                                    + floor
                                    + ", sent at most "
                                    + ceiling);
                          }
                        } else if (r.get("error").asText().equals("not_found")) {
                          if (floor > 0) {
                            wrong.add("k" + k + " not found after " + floor + " was acknowledged");
                          }
                        } else {
                          checkUnavailable(r, wrong, unavailable);
                        }
                      }
                    }
                    return null;
                  }));
        }
        load.add(
            pool.submit(
                () -> { // a lease holder: tokens only grow, across the restart too
                  try (Line c = new Line(socket)) {
                    while (!stop.get()) {
                      JsonNode r =
                          c.call(
                              "{\"action\":\"lease\",\"key\":\"pool\",\"workerId\":\"w\",\"ttl\":600000,\"size\":1}",
                              slowest);
                      if (r.get("ok").asBoolean()) {
                        long token = r.get("token").asLong();
                        // A release lost to the outage leaves the lease held: leasing again renews
                        // it (same token).
                        if (tokens.isEmpty() || tokens.get(tokens.size() - 1) != token) {
                          tokens.add(token);
                        }
                        c.call("{\"action\":\"release\",\"workerId\":\"w\"}", slowest);
                      } else {
                        checkUnavailable(r, wrong, unavailable);
                      }
                    }
                  }
                  return null;
                }));

        awaitAcks(acked, 50);
        redis.kill();
        long killedUnavailable = unavailable.get();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (unavailable.get() < killedUnavailable + 20 && System.nanoTime() < deadline) {
          Thread.sleep(5);
        }
        redis.restart();
        restarted.set(true);
        while (okAfterRestart.get() < 200
            && System.nanoTime() < deadline + TimeUnit.SECONDS.toNanos(20)) {
          Thread.sleep(5);
        }
        stop.set(true);
        for (Future<?> f : load) {
          f.get(30, TimeUnit.SECONDS);
        }
        pool.shutdown();

        assertThat(wrong).as("wrong answers").isEmpty();
        assertThat(unavailable.get())
            .as("store_unavailable answers while Redis was down")
            .isGreaterThanOrEqualTo(20);
        assertThat(okAfterRestart.get())
            .as("writes acknowledged after the restart")
            .isGreaterThanOrEqualTo(200);
        // Bounded: a request never waited much longer than the store timeout (300 ms) allows.
        assertThat(slowest.get()).as("slowest answer, ms").isLessThan(5_000);
        assertThat(tokens).isSorted().doesNotHaveDuplicates().isNotEmpty();
        // Every key holds its last acknowledged value, or a later one whose answer was lost.
        try (Line c = new Line(socket)) {
          for (int k = 0; k < WRITERS; k++) {
            long v =
                c.call("{\"action\":\"get\",\"key\":\"k" + k + "\"}", slowest)
                    .get("value")
                    .asLong();
            assertThat(v).as("k%d", k).isBetween(acked.get(k), attempted.get(k));
          }
        }
      }
    }
  }

  private static void checkUnavailable(
      JsonNode r, ConcurrentLinkedQueue<String> wrong, AtomicLong unavailable) {
    if (r.get("error").asText().equals("store_unavailable")
        && r.hasNonNull("message")
        && r.get("message").asText().contains("Redis at redis://127.0.0.1:")) {
      unavailable.incrementAndGet();
    } else {
      wrong.add("unexpected answer " + r);
    }
  }

  private static void awaitAcks(AtomicLongArray acked, long each) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    for (int k = 0; k < acked.length(); k++) {
      while (acked.get(k) < each) {
        assertThat(System.nanoTime())
            .as("writes acknowledged before the kill")
            .isLessThan(deadline);
        Thread.sleep(5);
      }
    }
  }

  /** One blocking protocol connection: a line out, a line back. */
  private static final class Line implements AutoCloseable {
    private final SocketChannel channel;
    private final ByteBuffer in = ByteBuffer.allocate(1 << 16);
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    Line(Path socket) throws IOException {
      channel = SocketChannel.open(StandardProtocolFamily.UNIX);
      channel.connect(UnixDomainSocketAddress.of(socket));
      in.flip();
    }

    JsonNode call(String request, AtomicLong slowestMillis) throws IOException {
      long start = System.nanoTime();
      ByteBuffer out = ByteBuffer.wrap((request + "\n").getBytes(StandardCharsets.UTF_8));
      while (out.hasRemaining()) {
        channel.write(out);
      }
      line.reset();
      while (true) {
        while (in.hasRemaining()) {
          byte b = in.get();
          if (b == '\n') {
            slowestMillis.accumulateAndGet(
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), Math::max);
            return JSON.readTree(line.toByteArray());
          }
          line.write(b);
        }
        in.clear();
        if (channel.read(in) < 0) {
          throw new IOException("the broker closed the connection");
        }
        in.flip();
      }
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }
}
