package io.ephemeral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Commands run as a user's shell runs them, for the tests of the distribution and the README: by
 * {@code sh -c}, so that the {@code PATH} given finds them, in a working directory of the test's,
 * with {@code EPHEMERAL_*} and {@code BROKER_*} variables of this JVM left out.
 */
final class Shell {

  private Shell() {}

  /** Exit status and output of a command. */
  record Result(int status, String out, String err) {
    Result expect(int expected) {
      assertThat(status).as(toString()).isEqualTo(expected);
      return this;
    }

    @Override
    public String toString() {
      return "status " + status + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err;
    }
  }

  /** Runs {@code command} (its words) in {@code dir} with {@code env} added. */
  static Result run(Path dir, Map<String, String> env, String... command) {
    List<String> viaShell = new ArrayList<>(List.of("sh", "-c", "exec \"$@\"", "sh"));
    viaShell.addAll(List.of(command));
    return start(dir, env, viaShell);
  }

  /** Runs {@code script} with {@code bash -e} in {@code dir} with {@code env} added. */
  static Result script(Path dir, Map<String, String> env, String script) {
    return start(dir, env, List.of("bash", "-e", "-c", script));
  }

  private static Result start(Path dir, Map<String, String> env, List<String> command) {
    try {
      Path out = Files.createTempFile("shell-out", ".txt");
      Path err = Files.createTempFile("shell-err", ".txt");
      try {
        ProcessBuilder builder =
            new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        builder
            .environment()
            .keySet()
            .removeIf(k -> k.startsWith("EPHEMERAL_") || k.startsWith("BROKER_"));
        builder.environment().putAll(env);
        Process process = builder.start();
        if (!process.waitFor(Cli.DEADLINE.toSeconds() * 4, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          throw new AssertionError(String.join(" ", command) + " did not finish");
        }
        return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
