package io.ephemeral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ephemeral.cli.Cli.Result;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * health's memory figures read as Node's do (the original's own test checks heapUsed <= heapTotal
 * <= rss): heapTotal is the heap in memory, not the JVM's committed heap, which is several times
 * the process's resident size right after start.
 */
class HealthMemoryTest {

  @TempDir Path dir;

  @Test
  void heapTotalLiesBetweenHeapUsedAndRss() throws Exception {
    try (Cli cli = Cli.start(dir, "start")) {
      Path pipe = cli.awaitSocket();
      for (int i = 0; i < 200; i++) {
        assertThat(Cli.ctl(pipe, "set", "k" + i, "x".repeat(1000), "--ttl", "60000").status())
            .isZero();
      }
      Result health = Cli.ctl(pipe, "--json", "health");
      assertThat(health.status()).as(health.toString()).isZero();
      JsonNode memory = new ObjectMapper().readTree(health.out()).path("memory");
      long heapUsed = memory.path("heapUsed").asLong();
      long heapTotal = memory.path("heapTotal").asLong();
      long rss = memory.path("rss").asLong();
      assertThat(heapUsed).as(memory.toString()).isPositive();
      assertThat(heapTotal).as(memory.toString()).isBetween(heapUsed, rss);
      cli.signal("TERM");
      assertThat(cli.exitStatus()).isZero();
    }
  }
}
