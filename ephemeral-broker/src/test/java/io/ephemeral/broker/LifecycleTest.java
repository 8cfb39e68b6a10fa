package io.ephemeral.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** start / stop / drain / spawn on real sockets and real child processes. */
class LifecycleTest {
  @TempDir Path tmp;

  private static Broker.Builder quiet() {
    return Broker.builder().environment(Map.of()).shutdownHook(false);
  }

  @Test
  void socketLivesInAFreshPrivateDirectoryAndStopRemovesEverything() throws Exception {
    Broker broker = quiet().build();
    Path socket = broker.start();
    Path dir = socket.getParent();
    assertThat(socket.getFileName().toString()).matches("broker-[0-9a-f]{12}\\.sock");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)))
        .isEqualTo("rwx------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)))
        .isEqualTo("rw-------");
    WireClient client = new WireClient(socket);
    client.call("{\"action\":\"set\",\"key\":\"k\",\"value\":1,\"ttl\":60000}");
    broker.stop();
    assertThat(client.readLine()).as("connection closed by stop").isNull();
    assertThat(socket).doesNotExist();
    assertThat(dir).doesNotExist();
    assertThat(broker.isRunning()).isFalse();
    broker.stop(); // idempotent
    client.close();
  }

  @Test
  void pipeIdNamesTheSocket() throws Exception {
    try (Broker broker = quiet().pipeId("ci-42").build()) {
      assertThat(broker.start().getFileName().toString()).isEqualTo("broker-ci-42.sock");
    }
  }

  @Test
  void aLiveBrokerOnThePathRefusesTheSecond() throws Exception {
    try (Broker first = quiet().pipeId("dup-test").build();
        Broker second = quiet().pipeId("dup-test").build()) {
      first.start();
      assertThatThrownBy(second::start)
          .isInstanceOf(IOException.class)
          .hasMessageContaining("Broker already running");
      assertThat(first.isRunning()).isTrue();
    }
  }

  @Test
  void aStaleSocketFileIsRemoved() throws Exception {
    Path socket = tmp.resolve("stale.sock");
    try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      dead.bind(UnixDomainSocketAddress.of(socket));
    }
    assertThat(socket).exists(); // the JDK leaves the file behind
    try (Broker broker = quiet().socketPath(socket).build()) {
      assertThat(broker.start()).isEqualTo(socket.toAbsolutePath());
      try (WireClient c = new WireClient(socket)) {
        assertThat(c.call("{\"action\":\"ping\"}")).startsWith("{\"ok\":true");
      }
    }
    assertThat(socket).doesNotExist();
    assertThat(tmp).exists(); // a directory we did not create is left alone
  }

  @Test
  void aRegularFileIsNeverReplaced() throws Exception {
    Path file = Files.writeString(tmp.resolve("precious.sock"), "data");
    try (Broker broker = quiet().socketPath(file).build()) {
      assertThatThrownBy(broker::start)
          .isInstanceOf(IOException.class)
          .hasMessageContaining("not a socket");
    }
    assertThat(Files.readString(file)).isEqualTo("data");
  }

  @Test
  void drainAnswersWhatArrivedAndRefusesNewConnections() throws Exception {
    try (Broker broker = quiet().build()) {
      Path socket = broker.start();
      WireClient existing = new WireClient(socket);
      // One answer first, so the broker has accepted this connection before the drain begins: a
      // connection still waiting in the listen backlog when it begins is refused like a new one.
      assertThat(existing.call("{\"action\":\"ping\"}")).startsWith("{\"ok\":true");
      existing.send(
          "{\"action\":\"set\",\"key\":\"k\",\"value\":1,\"ttl\":60000}\n{\"action\":\"get\",\"key\":\"k\"}\n");
      assertThat(broker.drain(Duration.ofSeconds(5))).isTrue();
      assertThat(existing.readLines(2))
          .containsExactly("{\"ok\":true}", "{\"ok\":true,\"value\":1,\"compressed\":false}");
      try (WireClient late = new WireClient(socket)) {
        assertThat(late.call("{\"action\":\"ping\"}"))
            .isEqualTo("{\"ok\":false,\"error\":\"draining\"}");
        assertThat(late.readLine()).isNull();
      }
      // Health reports the draining state to connections that were already open.
      assertThat(existing.call("{\"action\":\"health\"}")).contains("\"draining\":true");
      existing.close();
    }
  }

  @Test
  void drainGivesUpAtTheTimeoutWhenAClientDoesNotRead() throws Exception {
    try (Broker broker = quiet().maxValueSize(300_000).compression(false).build()) {
      Path socket = broker.start();
      WireClient writer = new WireClient(socket);
      writer.call(
          "{\"action\":\"set\",\"key\":\"big\",\"value\":\""
              + "x".repeat(250_000)
              + "\",\"ttl\":60000}");
      WireClient stalled = new WireClient(socket);
      StringBuilder gets = new StringBuilder();
      for (int i = 0; i < 20; i++) {
        gets.append("{\"action\":\"get\",\"key\":\"big\"}\n");
      }
      stalled.send(gets.toString()); // 5 MB of answers that are never read
      // Wait until the broker has taken the gets in: their unsent answers show as in flight.
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (BrokerFixture.JSON
              .readTree(writer.call("{\"action\":\"health\"}"))
              .get("connections")
              .get("inFlight")
              .asInt()
          < 2) {
        assertThat(System.nanoTime()).as("gets taken in").isLessThan(deadline);
      }
      assertThat(broker.drain(Duration.ofMillis(200))).isFalse();
      stalled.close();
      writer.close();
    }
  }

  @Test
  void spawnPassesThePipeAndStopsTheBrokerWhenTheChildExits() throws Exception {
    Path out = tmp.resolve("child.txt");
    try (Broker broker = quiet().secret("s3cret").build()) {
      Path socket = broker.start();
      Process child =
          broker.spawn(
              "sh", "-c", "echo \"$EPHEMERAL_PIPE $EPHEMERAL_SECRET\" > '" + out + "'; exit 3");
      assertThat(child.waitFor()).isEqualTo(3);
      assertThat(broker.awaitStop(Duration.ofSeconds(10))).isTrue();
      assertThat(Files.readString(out).trim()).isEqualTo(socket + " s3cret");
      assertThat(socket).doesNotExist();
    }
  }

  @Test
  void spawnOfAMissingCommandFailsClearlyAndTheBrokerKeepsRunning() throws Exception {
    try (Broker broker = quiet().build()) {
      broker.start();
      assertThatThrownBy(() -> broker.spawn(List.of("/nonexistent/definitely-not-here")))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("definitely-not-here");
      assertThat(broker.isRunning()).isTrue();
    }
  }

  @Test
  void awaitStopReturnsWhenAnotherThreadStops() throws Exception {
    Broker broker = quiet().build();
    broker.start();
    CompletableFuture<Void> waiter =
        CompletableFuture.runAsync(
            () -> {
              try {
                broker.awaitStop();
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });
    assertThat(waiter).isNotDone();
    broker.stop();
    waiter.get();
  }
}
