package io.ephemeral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ephemeral.client.BrokerClient;
import io.ephemeral.client.RateLimiter;
import io.ephemeral.store.redis.RedisServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The coordination actions with real processes: broker processes of the CLI (one in memory, or two
 * sharing one real redis-server, as on two CI hosts) and worker JVMs that are killed with SIGKILL
 * in the middle of a computation or while they wait at a barrier.
 */
class CoordinationAcrossProcessesTest {
  @TempDir Path dir;

  /** The brokers' sockets: one broker in memory, or two on one Redis prefix. */
  private Path[] brokers(String mode, List<Cli> started) {
    if (mode.equals("memory")) {
      Cli b = Cli.start(dir.resolve("m"), "start");
      started.add(b);
      Path p = b.awaitSocket();
      return new Path[] {p, p};
    }
    String uri = RedisServer.shared().uri(RedisServer.freshPrefix());
    Cli a = Cli.start(dir.resolve("a"), "start", "--store", uri);
    Cli b = Cli.start(dir.resolve("b"), "start", "--store", uri);
    started.add(a);
    started.add(b);
    return new Path[] {a.awaitSocket(), b.awaitSocket()};
  }

  /** A worker JVM; its output lines come through {@link #line}. */
  private static final class Worker implements AutoCloseable {
    final Process process;
    final BufferedReader out;

    Worker(Path socket, String... args) throws IOException {
      List<String> command = new ArrayList<>(Cli.javaCommand());
      command.set(command.indexOf(Main.class.getName()), CoordinationWorker.class.getName());
      command.add(socket.toString());
      command.addAll(List.of(args));
      process = new ProcessBuilder(command).redirectErrorStream(true).start();
      out =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    final List<String> seen = new ArrayList<>();

    /** Its next line of output that is not a log line; blocks until it comes. */
    String line() throws IOException {
      String l;
      do {
        l = out.readLine();
        assertThat(l).as("the worker's output ended after %s", seen).isNotNull();
        seen.add(l);
      } while (!l.equals("computing") && !l.startsWith("result=") && !l.startsWith("error="));
      return l;
    }

    @Override
    public void close() {
      process.destroyForcibly();
    }
  }

  /** Waits until the broker at {@code socket} holds at least {@code n} requests in flight. */
  private static void awaitWaiting(Path socket, int n) {
    try (BrokerClient c = BrokerClient.builder().environment(Map.of()).pipe(socket).build()) {
      Cli.await(n + " waiting at " + socket, () -> c.health().connections().inFlight() >= n + 1);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "redis"})
  void aComputingProcessKilledWithSigkillIsReplacedByAWaitingOne(String mode) throws Exception {
    List<Cli> started = new ArrayList<>();
    try {
      Path[] pipes = brokers(mode, started);
      try (Worker first = new Worker(pipes[0], "compute", "token", "first", "hang")) {
        assertThat(first.line()).isEqualTo("computing");
        try (Worker second = new Worker(pipes[1], "compute", "token", "second", "now")) {
          awaitWaiting(pipes[1], 1); // the second waits for the first's value
          first.process.destroyForcibly();
          assertThat(first.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
          assertThat(second.line())
              .as("it takes over; printed %s", second.seen)
              .isEqualTo("computing");
          assertThat(second.line()).isEqualTo("result=second");
        }
      }
      try (BrokerClient c = BrokerClient.builder().environment(Map.of()).pipe(pipes[0]).build()) {
        assertThat(c.getOrCompute("token", Duration.ofMinutes(1), String.class, () -> "third"))
            .isEqualTo("second");
      }
    } finally {
      started.forEach(Cli::close);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"memory", "redis"})
  void aBarrierPartyThatDiesBreaksTheBarrierForTheOthers(String mode) throws Exception {
    List<Cli> started = new ArrayList<>();
    try {
      Path[] pipes = brokers(mode, started);
      try (Worker dies = new Worker(pipes[0], "barrier", "start", "3", "60000")) {
        awaitWaiting(pipes[0], 1);
        try (Worker survives = new Worker(pipes[1], "barrier", "start", "3", "60000")) {
          awaitWaiting(pipes[1], pipes[0].equals(pipes[1]) ? 2 : 1);
          dies.process.destroyForcibly();
          assertThat(survives.line())
              .isEqualTo(
                  "error=barrier \"start\" failed: barrier_broken (barrier 'start' broke"
                      + " with 2 of 3 parties waiting: a party went away (its connection closed))");
        }
      }
    } finally {
      started.forEach(Cli::close);
    }
  }

  @Test
  void twoBrokersSharingOneRedisShareCountersSetIfAbsentAndARateLimit() throws Exception {
    List<Cli> started = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(16);
    List<BrokerClient> clients = new ArrayList<>();
    try {
      Path[] pipes = brokers("redis", started);
      for (Path p : pipes) {
        clients.add(
            BrokerClient.builder()
                .environment(Map.of())
                .pipe(p)
                .timeout(Duration.ofSeconds(30))
                .build());
      }
      List<Callable<List<Long>>> counting = new ArrayList<>();
      AtomicInteger stored = new AtomicInteger();
      for (int t = 0; t < 16; t++) {
        BrokerClient c = clients.get(t % 2);
        int me = t;
        counting.add(
            () -> {
              if (c.setIfAbsent("owner", "thread " + me, Duration.ofMinutes(1))) {
                stored.incrementAndGet();
              }
              List<Long> got = new ArrayList<>();
              for (int i = 0; i < 25; i++) {
                got.add(c.increment("ids", 1, Duration.ofMinutes(1)));
              }
              return got;
            });
      }
      Set<Long> ids = new HashSet<>();
      for (Future<List<Long>> f : pool.invokeAll(counting)) {
        for (long id : f.get()) {
          assertThat(ids.add(id)).as("id %d once", id).isTrue();
        }
      }
      assertThat(ids).hasSize(400).allMatch(id -> id >= 1 && id <= 400);
      assertThat(stored).hasValue(1);

      List<Callable<List<Instant>>> calling = new ArrayList<>();
      for (int t = 0; t < 6; t++) {
        RateLimiter api = clients.get(t % 2).rateLimiter("api", 3, Duration.ofSeconds(1));
        calling.add(
            () -> {
              List<Instant> at = new ArrayList<>();
              for (int i = 0; i < 3; i++) {
                at.add(api.acquire());
              }
              return at;
            });
      }
      List<Instant> grants = new ArrayList<>();
      for (Future<List<Instant>> f : pool.invokeAll(calling)) {
        grants.addAll(f.get());
      }
      Collections.sort(grants);
      assertThat(grants).hasSize(18);
      for (int i = 0; i + 3 < grants.size(); i++) {
        assertThat(Duration.between(grants.get(i), grants.get(i + 3)))
            .as("4 consecutive grants from %d: %s", i, grants)
            .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
      }
    } finally {
      pool.shutdownNow();
      clients.forEach(BrokerClient::close);
      started.forEach(Cli::close);
    }
  }
}
