package io.ephemeral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The CLI as a real child JVM ({@code java -cp <test class path> io.ephemeral.cli.Main ...}), with
 * its stdout and stderr captured in files, plus polling helpers. Nothing here sleeps to wait for
 * something: conditions are polled until a deadline.
 */
final class Cli implements AutoCloseable {

  /** Generous bound for anything a test waits for; never reached when things work. */
  static final Duration DEADLINE = Duration.ofSeconds(30);

  static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
  static final String CLASS_PATH = System.getProperty("java.class.path");

  /**
   * A process started with SIGINT ignored (a background job of a non-interactive shell, and so
   * possibly this test JVM) passes that on to its children, and the JVM leaves an ignored SIGINT
   * alone. The CLI under test gets default dispositions where env(1) can reset them.
   */
  static final List<String> RESET_SIGNALS = resetSignals();

  private final Process process;
  private final Path stdout;
  private final Path stderr;

  private Cli(Process process, Path stdout, Path stderr) {
    this.process = process;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /** The java command line that runs {@code Main} with {@code args}. */
  static List<String> javaCommand(String... args) {
    List<String> command =
        new ArrayList<>(
            List.of(
                JAVA,
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-Xshare:auto",
                "-cp",
                CLASS_PATH,
                Main.class.getName()));
    command.addAll(List.of(args));
    return command;
  }

  /** A line of a child script that runs brokerctl ({@code Main ctl}) with {@code arguments}. */
  static String shellCtl(String arguments) {
    return "'"
        + JAVA
        + "' -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp '"
        + CLASS_PATH
        + "' "
        + Main.class.getName()
        + " ctl "
        + arguments
        + "\n";
  }

  /** Starts {@code Main args} with the tests' tmpdir, capturing output under {@code dir}. */
  static Cli start(Path dir, String... args) {
    return start(dir, Map.of(), args);
  }

  /**
   * Starts {@code Main args} with extra environment variables ({@code null} value = removed). The
   * broker's temporary files go to {@code dir/tmp}, so a test can check that nothing is left
   * behind.
   */
  static Cli start(Path dir, Map<String, String> env, String... args) {
    return start(dir, env, List.of(), List.of(), args);
  }

  /**
   * Like {@link #start(Path, Map, String...)}, with JVM options (such as {@code -Xmx64m}) and a
   * command that runs the JVM (such as {@code prlimit --nofile=64:64 --}).
   */
  static Cli start(
      Path dir,
      Map<String, String> env,
      List<String> launcher,
      List<String> jvmOptions,
      String... args) {
    try {
      Path tmp = Files.createDirectories(dir.resolve("tmp"));
      Path out = Files.createTempFile(dir, "stdout", ".txt");
      Path err = Files.createTempFile(dir, "stderr", ".txt");
      List<String> command = javaCommand(args);
      command.add(1, "-Djava.io.tmpdir=" + tmp);
      command.addAll(1, jvmOptions);
      command.addAll(0, launcher);
      command.addAll(0, RESET_SIGNALS);
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .redirectInput(ProcessBuilder.Redirect.PIPE);
      Map<String, String> environment = builder.environment();
      environment.keySet().removeIf(k -> k.startsWith("BROKER_") || k.startsWith("EPHEMERAL_"));
      environment.put("TMPDIR", tmp.toString());
      Map<String, String> extra = new HashMap<>(env);
      extra.forEach(
          (k, v) -> {
            if (v == null) {
              environment.remove(k);
            } else {
              environment.put(k, v);
            }
          });
      return new Cli(builder.start(), out, err);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> resetSignals() {
    List<String> reset = List.of("env", "--default-signal=INT,TERM,HUP");
    try {
      List<String> probe = new ArrayList<>(reset);
      probe.add("true");
      Process p =
          new ProcessBuilder(probe)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      return p.waitFor() == 0 ? reset : List.of();
    } catch (IOException e) {
      return List.of();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return List.of();
    }
  }

  /** A broker in this JVM on {@code socket}, with no BROKER_* variables and no shutdown hook. */
  static io.ephemeral.broker.Broker startBroker(Path socket) {
    io.ephemeral.broker.Broker broker =
        io.ephemeral.broker.Broker.builder()
            .environment(Map.of())
            .shutdownHook(false)
            .socketPath(socket)
            .build();
    try {
      broker.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return broker;
  }

  /** Runs {@code Main ctl args} in this JVM (brokerctl has no process-wide side effects). */
  static Result ctl(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] all = new String[args.length + 1];
    all[0] = "ctl";
    System.arraycopy(args, 0, all, 1, args.length);
    int status = Main.run(all, env, new PrintWriter(out), new PrintWriter(err));
    return new Result(status, out.toString(), err.toString());
  }

  /** {@link #ctl(Map, String...)} with only {@code EPHEMERAL_PIPE} in the environment. */
  static Result ctl(Path pipe, String... args) {
    return ctl(Map.of("EPHEMERAL_PIPE", pipe.toString()), args);
  }

  /** Exit status and output of an in-process run. */
  record Result(int status, String out, String err) {
    @Override
    public String toString() {
      return "status " + status + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err;
    }
  }

  Process process() {
    return process;
  }

  String stdout() {
    return read(stdout);
  }

  String stderr() {
    return read(stderr);
  }

  /** Waits for the exit status, failing the test with the captured output after the deadline. */
  int exitStatus() {
    try {
      if (!process.waitFor(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("CLI did not exit within " + DEADLINE + describe());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    return process.exitValue();
  }

  /** Sends SIG{@code name} (e.g. "TERM") to the CLI process. */
  void signal(String name) {
    Cli.kill(name, process.pid());
  }

  static void kill(String name, long pid) {
    try {
      int status = new ProcessBuilder("kill", "-s", name, Long.toString(pid)).start().waitFor();
      assertThat(status).as("kill -s %s %d", name, pid).isZero();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Polls stdout until the serve-mode banner names the socket, and returns that path. */
  Path awaitSocket() {
    String prefix = "Broker running on: ";
    await(
        "the 'Broker running on:' line",
        () -> stdout().contains(prefix + "/") || !process.isAlive());
    String line =
        stdout()
            .lines()
            .filter(l -> l.startsWith(prefix))
            .findFirst()
            .orElseThrow(() -> new AssertionError("CLI exited early" + describe()));
    return Path.of(line.substring(prefix.length()));
  }

  /** Polls {@code condition} every few milliseconds until it holds or the deadline passes. */
  static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out waiting for " + what);
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  /** Polls until {@code file} exists and has content; returns it without a trailing newline. */
  static String awaitFile(Path file) {
    await(file + " to be written", () -> Files.exists(file) && read(file).endsWith("\n"));
    return read(file).strip();
  }

  static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String describe() {
    return "\n--- stdout ---\n" + stdout() + "\n--- stderr ---\n" + stderr();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }
}
