package io.ephemeral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ephemeral.broker.Broker;
import io.ephemeral.cli.Cli.Result;
import io.ephemeral.client.BrokerClient;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** brokerctl top: one frame with --once, and the live loop ending on q and on a closed broker. */
class TopTest {
  @TempDir Path dir;
  private Broker broker;
  private Path pipe;

  @BeforeEach
  void start() throws Exception {
    broker =
        Broker.builder()
            .environment(Map.of())
            .shutdownHook(false)
            .socketPath(dir.resolve("t.sock"))
            .build();
    pipe = broker.start();
  }

  @AfterEach
  void stop() {
    broker.stop();
  }

  @Test
  void onceprintsOneFrameWithActionsItemsAndLeases() {
    Cli.ctl(pipe, "set", "k", "v", "--ttl", "60000");
    Cli.ctl(pipe, "get", "k");
    Cli.ctl(pipe, "lease", "pool", "w1");
    Result r = Cli.ctl(pipe, "top", "--once", "--interval", "100");
    assertThat(r.status()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains("items 1/10000")
        .contains("leases 1 (waiting 0)")
        .contains("services 0")
        .containsPattern("ACTION +OPS/S +ERR/S +P99 MS +TOTAL")
        .containsPattern("\nset +\\d+ +\\d+ +\\d+\\.\\d{3} +1\n")
        .containsPattern("\nget +\\d+ +\\d+ +\\d+\\.\\d{3} +1\n");
  }

  @Test
  void liveViewEndsOnQ() throws Exception {
    StringWriter text = new StringWriter();
    try (BrokerClient client = BrokerClient.builder().environment(Map.of()).pipe(pipe).build()) {
      Top top = new Top(client, new PrintWriter(text), Duration.ofMillis(20));
      int status = top.live(new ByteArrayInputStream("q".getBytes(StandardCharsets.US_ASCII)));
      assertThat(status).isZero();
    }
  }

  @Test
  void liveViewEndsWhenTheBrokerCloses() throws Exception {
    StringWriter text = new StringWriter();
    java.io.PipedOutputStream keys = new java.io.PipedOutputStream();
    try (BrokerClient client =
            BrokerClient.builder()
                .environment(Map.of())
                .pipe(pipe)
                .timeout(Duration.ofSeconds(1))
                .build();
        java.io.PipedInputStream in = new java.io.PipedInputStream(keys)) {
      Top top = new Top(client, new PrintWriter(text), Duration.ofMillis(20));
      var running =
          java.util.concurrent.CompletableFuture.supplyAsync(
              () -> {
                try {
                  return top.live(in);
                } catch (java.io.IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
      Cli.await("a frame was drawn", () -> text.toString().contains("ACTION"));
      broker.stop();
      assertThat(running.get(30, java.util.concurrent.TimeUnit.SECONDS)).isZero();
      assertThat(text.toString()).contains("broker closed");
    }
  }
}
