package io.ephemeral.client.service;

import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A Node process running {@code src/test/node/ipc-service.mjs}, an ipc-bro style service: it serves
 * echo/add/fail/failPlain/whoami/types/hang/callBack and runs call commands from stdin.
 */
public final class NodeService implements AutoCloseable {
  public static final Path DIR = Path.of("src", "test", "node");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static boolean installed;

  private final Process process;
  private final OutputStream stdin;
  private final BlockingQueue<JsonNode> lines = new LinkedBlockingQueue<>();

  private NodeService(Process process) {
    this.process = process;
    this.stdin = process.getOutputStream();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  lines.add(JSON.readTree(line));
                }
              } catch (IOException e) {
                // process gone
              }
            },
            "node-service-stdout");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Installs the scripts' npm dependencies (msgpackr and the published {@code
   * @ephemeral-broker/core} client, pinned in package.json and package-lock.json) once, when they
   * are missing from {@code node_modules}. Optional native add-ons are left out: msgpackr's
   * pure JavaScript codec is the one under test.
   */
  public static synchronized void installDependencies() throws Exception {
    Path modules = DIR.resolve("node_modules");
    if (installed
        || (Files.isDirectory(modules.resolve("msgpackr"))
            && Files.isDirectory(modules.resolve("@ephemeral-broker").resolve("core")))) {
      installed = true;
      return;
    }
    run(List.of("node", "--version"), "Node.js (18 or newer) as `node` on the PATH");
    run(
        List.of(
            "npm",
            "install",
            "--omit=optional",
            "--no-save",
            "--ignore-scripts",
            "--no-audit",
            "--no-fund"),
        "npm on the PATH and access to the npm registry (to install the packages into "
            + DIR.resolve("node_modules")
            + ")");
    installed = true;
  }

  private static void run(List<String> command, String need) throws Exception {
    Process p;
    try {
      p = new ProcessBuilder(command).directory(DIR.toFile()).redirectErrorStream(true).start();
    } catch (IOException e) {
      fail("These tests need " + need + ": " + e.getMessage());
      return;
    }
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(180, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      fail(
          "`"
              + String.join(" ", command)
              + "` failed; these tests need "
              + need
              + ":\n"
              + new String(out, StandardCharsets.UTF_8));
    }
  }

  /** Starts the service and waits until it is registered. */
  static NodeService start(Path gateway, String serializer, String name) throws Exception {
    installDependencies();
    Process p =
        new ProcessBuilder(
                "node",
                DIR.resolve("ipc-service.mjs").toString(),
                gateway.toString(),
                serializer,
                name)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    NodeService s = new NodeService(p);
    JsonNode first = s.next(Duration.ofSeconds(20));
    if (!"ready".equals(first.path("event").asText())) {
      s.close();
      fail("the Node service did not register: " + first);
    }
    return s;
  }

  /** Runs one call command in the Node service and returns its result line. */
  JsonNode call(String to, String method, Object params, Duration timeout) throws Exception {
    var command = JSON.createObjectNode();
    command.put("op", "call").put("to", to).put("method", method);
    command.set("params", JSON.valueToTree(params));
    command.put("timeout", timeout.toMillis());
    stdin.write((JSON.writeValueAsString(command) + "\n").getBytes(StandardCharsets.UTF_8));
    stdin.flush();
    return next(timeout.plusSeconds(10));
  }

  private JsonNode next(Duration timeout) throws InterruptedException {
    JsonNode line = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (line == null) {
      fail(
          "no output from the Node service within "
              + timeout
              + " (alive: "
              + process.isAlive()
              + ")");
    }
    return line;
  }

  /** Waits for an event line such as {@code {"event":"hanging"}}. */
  void awaitEvent(String event, Duration timeout) throws InterruptedException {
    JsonNode line = next(timeout);
    if (!event.equals(line.path("event").asText())) {
      fail("expected event " + event + " from the Node service, got " + line);
    }
  }

  /** SIGKILL, no goodbye. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      try {
        stdin.close();
      } catch (IOException ignored) {
        // already gone
      }
      try {
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          process.waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
