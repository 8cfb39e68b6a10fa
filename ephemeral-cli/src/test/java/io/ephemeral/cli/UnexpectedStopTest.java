package io.ephemeral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker that stops because its event loop cannot go on exits 70 (internal error), so a script or
 * CI job notices. Before, such a stop exited 0 like a normal one. The failure is provoked by a
 * plugin whose clock breaks for good on request: every turn of the loop reads the clock.
 */
class UnexpectedStopTest {
  @TempDir Path dir;

  private Path brokenClockPlugin() throws IOException {
    return PluginJar.build(
        dir,
        "BrokenClockPlugin",
        """
        package demo;

        import io.ephemeral.broker.Broker;
        import io.ephemeral.broker.BrokerPlugin;
        import io.ephemeral.broker.Clock;

        public class BrokenClockPlugin implements BrokerPlugin {
          static volatile boolean broken;

          @Override
          public void configure(Broker.Builder builder) {
            builder.clock(() -> {
              if (broken) {
                throw new IllegalStateException("the clock is broken");
              }
              return System.currentTimeMillis();
            });
            builder.action("break-clock", request -> {
              broken = true;
              return "{}";
            });
          }
        }
        """);
  }

  @Test
  void aBrokerWhoseLoopCannotGoOnExitsWithAFailureStatus() throws IOException {
    Path plugin = brokenClockPlugin();
    Path socket = dir.resolve("b.sock");
    try (Cli cli =
        Cli.start(dir, "start", "--socket", socket.toString(), "--plugin", plugin.toString())) {
      cli.awaitSocket();
      try (Line c = new Line(socket)) {
        assertThat(c.call("{\"action\":\"ping\"}")).startsWith("{\"ok\":true");
        assertThat(c.call("{\"action\":\"break-clock\"}")).startsWith("{\"ok\":true");
      }
      assertThat(cli.exitStatus()).as(cli.describe()).isEqualTo(ExitStatus.INTERNAL.code);
      assertThat(cli.stderr()).contains("the clock is broken");
    }
  }
}
