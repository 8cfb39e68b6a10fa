package io.ephemeral.maven;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.maven.project.MavenProject;
import org.junit.jupiter.api.Test;

/** A JVM that started a broker with the mojo and then fails or is killed leaves nothing behind. */
class ExitTest {
  /** Child JVM: start a broker, print its socket, then exit (arg "exit") or wait to be killed. */
  public static void main(String[] args) throws Exception {
    MavenProject p = MojoTest.project("child");
    StartMojo m = MojoTest.start(p, Map.of());
    m.logLevel = "error";
    m.execute();
    System.out.println("PIPE " + p.getProperties().getProperty("ephemeral.pipe"));
    System.out.flush();
    if (args[0].equals("exit")) {
      System.exit(1); // a failed build: no ephemeral:stop
    }
    Thread.currentThread().join(); // until the test kills this JVM
  }

  private static Process child(String mode) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(
            List.of(
                java, "-cp", System.getProperty("java.class.path"), ExitTest.class.getName(), mode))
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
  }

  private static Path readPipe(Process p) throws Exception {
    BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    for (String line; (line = r.readLine()) != null; ) {
      if (line.startsWith("PIPE ")) {
        return Path.of(line.substring(5));
      }
    }
    throw new AssertionError("child printed no pipe");
  }

  @Test
  void failedBuildExitRemovesSocketAndDirectory() throws Exception {
    Process p = child("exit");
    Path pipe = readPipe(p);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(1);
    assertThat(pipe).doesNotExist();
    assertThat(pipe.getParent()).doesNotExist();
  }

  @Test
  void interruptedBuildRemovesSocketAndDirectory() throws Exception {
    Process p = child("wait");
    Path pipe = readPipe(p);
    assertThat(pipe).exists();
    p.destroy(); // SIGTERM; Ctrl-C (SIGINT) runs the same hooks
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(pipe).doesNotExist();
    assertThat(pipe.getParent()).doesNotExist();
  }
}
