package io.ephemeral.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A main class of this tool in a JVM of its own (so that its CPU time can be read apart from the
 * tool's), such as a gateway benchmark callee: it prints {@value #READY} once it serves, and exits
 * when its standard input closes.
 */
final class ChildJvm implements AutoCloseable {
  static final String READY = "ready";
  private static final long START_MILLIS = 30_000;

  final Process process;
  private final Path log;

  private ChildJvm(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /**
   * Starts {@code java -XX:+UseSerialGC javaOpts -cp <this tool> mainClass args} and waits until it
   * prints {@value #READY}; its standard error goes to {@code log}.
   */
  static ChildJvm start(Class<?> mainClass, List<String> javaOpts, List<String> args, Path log)
      throws IOException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> cmd = new ArrayList<>(List.of(java.toString(), "-XX:+UseSerialGC"));
    cmd.addAll(javaOpts);
    cmd.addAll(List.of("-cp", ownClassPath(), mainClass.getName()));
    cmd.addAll(args);
    Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
    ChildJvm c = new ChildJvm(p, log);
    BufferedReader in =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    // The JVM may print lines of its own (-XX:StartFlightRecording does); wait for ours, then
    // keep draining the pipe so that the child never blocks on it.
    CountDownLatch ready = new CountDownLatch(1);
    Thread reader =
        new Thread(
            () -> {
              try {
                String line;
                while ((line = in.readLine()) != null) {
                  if (line.equals(READY)) {
                    ready.countDown();
                  }
                }
              } catch (IOException e) {
                // the child is gone; the wait below says so
              }
            },
            mainClass.getSimpleName() + "-stdout");
    reader.setDaemon(true);
    reader.start();
    boolean up;
    try {
      up = ready.await(START_MILLIS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      up = false;
    }
    if (!up) {
      c.close();
      throw new BenchException(
          mainClass.getSimpleName()
              + " did not get ready within "
              + START_MILLIS
              + " ms ("
              + String.join(" ", cmd)
              + "):\n"
              + c.logTail());
    }
    return c;
  }

  /** The jar (or class directory) this tool runs from. */
  static String ownClassPath() {
    try {
      return Path.of(ChildJvm.class.getProtectionDomain().getCodeSource().getLocation().toURI())
          .toString();
    } catch (URISyntaxException | RuntimeException e) {
      return System.getProperty("java.class.path");
    }
  }

  long pid() {
    return process.pid();
  }

  String logTail() {
    return Main.logTail(log);
  }

  /** Closes its standard input, waits up to 10 s for it to exit, then kills it. */
  @Override
  public void close() {
    try {
      process.getOutputStream().close();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (IOException e) {
      process.destroyForcibly();
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** For a child's main: blocks until the tool closes standard input. */
  static void awaitStdinClosed() throws IOException {
    while (System.in.read() >= 0) {
      // the tool closes our standard input to stop us
    }
  }
}
