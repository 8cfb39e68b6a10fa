package io.ephemeral.cli;

import io.ephemeral.client.BrokerScope;
import io.ephemeral.client.ScopedBroker;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * {@code ephemeral-broker start --scope NAME --detach}: runs this same command line without {@code
 * --detach} in the background (in a session of its own where {@code setsid} exists, its output in
 * the scope's log file) and returns once that broker serves the scope.
 */
final class Detach {
  private static final long WAIT_MILLIS = 30_000;

  private Detach() {}

  static int start(BrokerScope scope, PrintWriter out, PrintWriter err)
      throws InterruptedException {
    ProcessHandle.Info self = ProcessHandle.current().info();
    if (self.command().isEmpty() || self.arguments().isEmpty()) {
      err.println("ephemeral-broker: cannot tell this process's command line to run it detached");
      return ExitStatus.UNAVAILABLE.code;
    }
    Optional<ScopedBroker> running = scope.find();
    if (running.isPresent()) {
      running.get().close();
      err.println(
          "Failed to start broker: A broker already serves " + scope + ": " + running.get());
      return ExitStatus.UNAVAILABLE.code;
    }
    List<String> command = new ArrayList<>();
    for (String setsid : List.of("/usr/bin/setsid", "/bin/setsid")) {
      if (Files.isExecutable(Path.of(setsid))) {
        command.add(setsid);
        break;
      }
    }
    command.add(self.command().get());
    for (String a : self.arguments().get()) {
      if (!a.equals("--detach")) {
        command.add(a);
      }
    }
    Process p;
    try {
      Files.deleteIfExists(scope.logFile());
      p =
          new ProcessBuilder(command)
              .redirectInput(Redirect.from(new File("/dev/null")))
              .redirectErrorStream(true)
              .redirectOutput(Redirect.appendTo(scope.logFile().toFile()))
              .start();
    } catch (IOException e) {
      err.println("ephemeral-broker: cannot run " + command.get(0) + ": " + e.getMessage());
      return ExitStatus.UNAVAILABLE.code;
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
    while (System.nanoTime() - deadline < 0) {
      Optional<ScopedBroker> found = scope.find();
      if (found.isPresent() && p.isAlive()) { // ours: none served the scope before
        found.get().close();
        long pid = found.get().pid();
        out.println(
            "Broker for " + scope + " running on: " + scope.socket() + " (pid " + pid + ")");
        out.println("Stop it with: kill " + pid);
        return 0;
      }
      if (p.waitFor(50, TimeUnit.MILLISECONDS)) {
        err.println("Failed to start broker: " + output(scope));
        return ExitStatus.UNAVAILABLE.code;
      }
    }
    p.destroy();
    err.println(
        "Failed to start broker: it did not serve "
            + scope
            + " within "
            + WAIT_MILLIS
            + " ms: "
            + output(scope));
    return ExitStatus.UNAVAILABLE.code;
  }

  private static String output(BrokerScope scope) {
    try {
      return Files.readString(scope.logFile(), StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      return "(no output)";
    }
  }
}
