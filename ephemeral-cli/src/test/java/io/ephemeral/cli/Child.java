package io.ephemeral.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A child process of a fault test (a worker JVM, a Node script): stdout and stderr captured in
 * files, stdin kept open for commands, and SIGKILL.
 */
final class Child implements AutoCloseable {
  private final String name;
  private final Process process;
  private final Path stdout;
  private final Path stderr;

  private Child(String name, Process process, Path stdout, Path stderr) {
    this.name = name;
    this.process = process;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /** {@code java -cp <test class path> MAIN ARGS}. */
  static Child java(Path dir, String name, Class<?> main, String... args) {
    List<String> command =
        new ArrayList<>(
            List.of(
                Cli.JAVA,
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-Xshare:auto",
                "-cp",
                Cli.CLASS_PATH,
                main.getName()));
    command.addAll(List.of(args));
    return start(dir, name, command);
  }

  static Child start(Path dir, String name, List<String> command) {
    try {
      Path out = Files.createTempFile(dir, name + "-stdout", ".txt");
      Path err = Files.createTempFile(dir, name + "-stderr", ".txt");
      Process p =
          new ProcessBuilder(command)
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .start();
      return new Child(name, p, out, err);
    } catch (IOException e) {
      throw new UncheckedIOException("start " + command, e);
    }
  }

  String stdout() {
    return Cli.read(stdout);
  }

  /** Waits until stdout has a line equal to or starting with {@code prefix}. */
  void await(String prefix) {
    Cli.await(
        name + " to print " + prefix,
        () -> {
          if (!process.isAlive()) {
            throw new AssertionError(name + " exited early" + describe());
          }
          return stdout().lines().anyMatch(l -> l.startsWith(prefix));
        });
  }

  List<String> lines(String prefix) {
    return stdout().lines().filter(l -> l.startsWith(prefix)).toList();
  }

  void tell(String line) {
    try {
      OutputStream in = process.getOutputStream();
      in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      in.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** SIGKILL, and waits until the process is gone. */
  void kill() throws InterruptedException {
    Cli.kill("KILL", process.pid());
    if (!process.waitFor(Cli.DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(name + " survived SIGKILL");
    }
  }

  Process process() {
    return process;
  }

  String describe() {
    return "\n--- "
        + name
        + " stdout ---\n"
        + stdout()
        + "\n--- "
        + name
        + " stderr ---\n"
        + Cli.read(stderr);
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }
}
