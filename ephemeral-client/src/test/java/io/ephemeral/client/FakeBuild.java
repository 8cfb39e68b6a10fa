package io.ephemeral.client;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Stands in for a build tool: its arguments name Maven's launcher class, as a Maven JVM's do. It
 * starts two "forks" through a shell (as Surefire does) that print the scope they would use, and
 * prints their output.
 *
 * <p>Arguments: an output directory, then {@code
 * org.codehaus.plexus.classworlds.launcher.Launcher}.
 */
public final class FakeBuild {
  private FakeBuild() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String cp = System.getProperty("java.class.path");
    for (int i = 0; i < 2; i++) {
      Path out = dir.resolve("fork" + i + ".out");
      Process fork =
          new ProcessBuilder(
                  List.of(
                      "/bin/sh",
                      "-c",
                      "'" + java + "' -cp '" + cp + "' '" + PrintScope.class.getName() + "'; true"))
              .redirectErrorStream(true)
              .redirectOutput(out.toFile())
              .start();
      if (!fork.waitFor(120, TimeUnit.SECONDS)) {
        throw new IllegalStateException("fork " + i + " did not end");
      }
      System.out.print(Files.readString(out));
    }
  }

  /** A "fork": prints the name of its build's scope. */
  public static final class PrintScope {
    private PrintScope() {}

    public static void main(String[] args) {
      System.out.println("scope=" + BrokerScope.ofThisBuild().name());
    }
  }
}
