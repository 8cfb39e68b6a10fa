package io.ephemeral.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Retries on connection failures only, and transparent reconnects. */
class RetryTest {
  private static final Duration MINUTE = Duration.ofMinutes(1);

  @Test
  void clientStartedBeforeTheBrokerSucceedsOnceItStarts() throws Exception {
    try (BrokerFixture f = BrokerFixture.create(b -> {});
        BrokerClient client = f.client().timeout(Duration.ofSeconds(20)).build()) {
      // The first attempt runs on this thread and finds no socket; retries are scheduled.
      CompletableFuture<Long> pong = client.pingAsync();
      CompletableFuture<Void> set = client.setAsync("early", "bird", MINUTE);
      assertThat(pong).isNotDone();
      f.startBroker();
      assertThat(pong.get(20, TimeUnit.SECONDS)).isEqualTo(f.clock.millis());
      set.get(20, TimeUnit.SECONDS);
      assertThat(client.get("early", String.class)).isEqualTo("bird");
    }
  }

  @Test
  void reconnectsAfterTheBrokerRestartsOnTheSamePath() throws Exception {
    try (BrokerFixture f = BrokerFixture.start();
        BrokerClient client = f.client().timeout(Duration.ofSeconds(20)).build()) {
      client.set("before", 1, MINUTE);
      assertThat(client.ping()).isPositive();

      f.stopBroker();
      f.startBroker();
      assertThat(client.ping()).isEqualTo(f.clock.millis());
      assertThatThrownBy(() -> client.get("before", Integer.class))
          .as("a restarted broker starts empty")
          .isInstanceOf(NotFoundException.class);

      // A call made while the broker is down completes once it is back.
      f.stopBroker();
      CompletableFuture<Void> during = client.setAsync("during", 2, MINUTE);
      f.startBroker();
      during.get(20, TimeUnit.SECONDS);
      assertThat(client.get("during", Integer.class)).isEqualTo(2);
    }
  }

  @Test
  void callsInFlightSurviveBrokerRestarts() throws Exception {
    try (BrokerFixture f = BrokerFixture.start();
        BrokerClient client = f.client().timeout(Duration.ofSeconds(20)).build()) {
      int threads = 16;
      java.util.concurrent.atomic.AtomicBoolean stop =
          new java.util.concurrent.atomic.AtomicBoolean();
      java.util.concurrent.atomic.AtomicInteger pings =
          new java.util.concurrent.atomic.AtomicInteger();
      java.util.concurrent.ExecutorService pool =
          java.util.concurrent.Executors.newFixedThreadPool(threads);
      java.util.List<java.util.concurrent.Future<?>> workers = new java.util.ArrayList<>();
      for (int t = 0; t < threads; t++) {
        workers.add(
            pool.submit(
                () -> {
                  while (!stop.get()) {
                    assertThat(client.ping()).isEqualTo(f.clock.millis());
                    pings.incrementAndGet();
                  }
                  return null;
                }));
      }
      for (int restart = 0; restart < 5; restart++) {
        int before = pings.get();
        while (pings.get() < before + 500) {
          Thread.yield(); // wait for traffic before pulling the plug
        }
        f.stopBroker();
        f.startBroker();
      }
      int before = pings.get();
      while (pings.get() < before + 500) {
        Thread.yield();
      }
      stop.set(true);
      pool.shutdown();
      for (java.util.concurrent.Future<?> w : workers) {
        w.get(30, TimeUnit.SECONDS); // any failed ping fails here
      }
    }
  }

  @Test
  void brokerErrorsAreNotRetried() throws Exception {
    try (FakeBroker fake = new FakeBroker();
        BrokerClient client = fake.client().timeout(Duration.ofSeconds(10)).build()) {
      CompletableFuture<Void> set = client.setAsync("big", "x", MINUTE);
      FakeBroker.Conn conn = fake.accept();
      conn.readLine();
      conn.write("{\"ok\":false,\"error\":\"too_large\"}");
      assertThat(set)
          .failsWithin(5, TimeUnit.SECONDS)
          .withThrowableThat()
          .withCauseInstanceOf(TooLargeException.class);
      assertThat(conn.pollLine(Duration.ofMillis(300))).as("no second attempt").isNull();
      assertThat(fake.acceptWithin(Duration.ofMillis(1))).as("no new connection").isNull();
    }
  }

  @Test
  void tooLargeFromTheRealBrokerIsNotRetried() throws Exception {
    try (BrokerFixture f = BrokerFixture.start(b -> b.maxValueSize(50));
        BrokerClient client = f.client().compression(false).build()) {
      assertThatThrownBy(() -> client.set("big", "x".repeat(100), MINUTE))
          .isInstanceOf(TooLargeException.class);
      String metrics = client.metrics();
      assertThat(metrics)
          .contains("ephemeral_broker_operations_total{action=\"set\",result=\"error\"} 1\n");
    }
  }

  @Test
  void requestIsResentWhenTheConnectionBreaksAfterItWasWritten() throws Exception {
    try (FakeBroker fake = new FakeBroker();
        BrokerClient client = fake.client().timeout(Duration.ofSeconds(10)).build()) {
      CompletableFuture<String> get = client.getRawAsync("k");
      FakeBroker.Conn first = fake.accept();
      String line = first.readLine();
      first.close(); // broken before answering
      FakeBroker.Conn second = fake.accept();
      assertThat(second.readLine()).as("the same request again").isEqualTo(line);
      second.write("{\"ok\":true,\"value\":\"v\",\"compressed\":false}");
      assertThat(get.get(5, TimeUnit.SECONDS)).isEqualTo("\"v\"");
    }
  }

  @Test
  void closeFailsPendingCalls() throws Exception {
    try (FakeBroker fake = new FakeBroker()) {
      BrokerClient client = fake.client().build();
      CompletableFuture<Long> pong = client.pingAsync();
      fake.accept().readLine(); // sent, never answered
      client.close();
      assertThat(pong)
          .failsWithin(5, TimeUnit.SECONDS)
          .withThrowableThat()
          .havingCause()
          .isInstanceOfSatisfying(
              BrokerConnectionException.class, e -> assertThat(e.code()).isEqualTo("ECLOSED"));
    }
  }
}
