package io.ephemeral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Node client as users install it, {@code npm install @ephemeral-broker/core} (1.0.5, pinned in
 * src/test/node/npm-client), running the README's Node quick start under {@code ephemeral-broker
 * start -- node worker.mjs}.
 */
class NpmClientTest {

  private static final Path DIR = Path.of("src", "test", "node", "npm-client");

  @TempDir Path dir;

  @BeforeAll
  static void installThePublishedClient() throws Exception {
    if (Files.isDirectory(DIR.resolve("node_modules/@ephemeral-broker/core"))) {
      return;
    }
    Process npm =
        new ProcessBuilder(List.of("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"))
            .directory(DIR.toFile())
            .redirectErrorStream(true)
            .start();
    String output = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(npm.waitFor(3, TimeUnit.MINUTES) && npm.exitValue() == 0)
        .as("npm ci in %s (needs node 18+, npm and the npm registry):\n%s", DIR, output)
        .isTrue();
  }

  @Test
  void thePublishedNodeClientLeasesSetsAndGetsThroughTheBroker() throws IOException {
    Path worker = DIR.resolve("worker.mjs").toAbsolutePath();
    try (Cli cli = Cli.start(dir, "start", "--", "node", worker.toString())) {
      assertThat(cli.exitStatus()).as(cli.describe()).isZero();
      assertThat(cli.stdout()).isEqualTo("0 {\"user\":\"ci\",\"token\":\"abc\"}\n");
    }
    assertThat(Files.readString(DIR.resolve("node_modules/@ephemeral-broker/core/package.json")))
        .contains("\"version\": \"1.0.5\"");
  }
}
