package io.ephemeral.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ephemeral.client.BrokerClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

@EphemeralBroker
class SharedValuesTest {
  private static final long SEED = Long.getLong("seed", 20_240_611L);

  record Token(String value, long issued) {}

  @Test
  void sixteenConcurrentCallersComputeTheValueExactlyOnce() throws Exception {
    Random random = new Random(SEED);
    String key = "token-" + random.nextInt(1_000_000);
    AtomicInteger computed = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    List<BrokerClient> clients = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      clients.add(BrokerSession.current().newClient()); // as from four forks
    }
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<Token>> results = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        BrokerClient client = clients.get(i % clients.size());
        long issued = random.nextLong();
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  return SharedValues.computeIfAbsent(
                      client,
                      key,
                      Token.class,
                      Duration.ofMinutes(1),
                      () -> {
                        computed.incrementAndGet();
                        return new Token("t-" + issued, issued);
                      });
                }));
      }
      start.countDown();
      Token first = results.get(0).get();
      for (Future<Token> result : results) {
        assertThat(result.get()).isEqualTo(first);
      }
      assertThat(computed).hasValue(1);
    } finally {
      pool.shutdownNow();
      clients.forEach(BrokerClient::close);
    }
  }

  @Test
  void aStoredValueIsReturnedWithoutComputing(BrokerClient client) {
    client.set("present", new Token("x", 1), Duration.ofMinutes(1));
    Token token =
        SharedValues.computeIfAbsent(
            client,
            "present",
            Token.class,
            Duration.ofMinutes(1),
            () -> {
              throw new AssertionError("must not compute");
            });
    assertThat(token).isEqualTo(new Token("x", 1));
  }

  @Test
  void aFailingSupplierHandsTheComputationToTheNextCaller(BrokerClient client) {
    assertThatThrownBy(
            () ->
                SharedValues.computeIfAbsent(
                    client,
                    "flaky",
                    Integer.class,
                    Duration.ofMinutes(1),
                    () -> {
                      throw new IllegalStateException("boom");
                    }))
        .hasMessage("boom");
    assertThatThrownBy(
            () ->
                SharedValues.computeIfAbsent(
                    client, "flaky", Integer.class, Duration.ofMinutes(1), () -> null))
        .isInstanceOf(NullPointerException.class);
    // Without a wait: it would fail with compute_timeout if the failed callers still held a claim.
    assertThat(
            SharedValues.computeIfAbsent(
                client, "flaky", Integer.class, Duration.ofMinutes(1), Duration.ZERO, () -> 42))
        .isEqualTo(42);
  }
}
