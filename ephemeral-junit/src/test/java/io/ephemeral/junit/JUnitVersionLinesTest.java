package io.ephemeral.junit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * This module on each JUnit line: a suite run by the JUnit console launcher of that version, with
 * this module and its runtime dependencies but none of the JUnit jars this build compiled against.
 */
class JUnitVersionLinesTest {

  private static final Path LINES = Path.of(System.getProperty("junit.lines"));
  private static final String SUITE = "io.ephemeral.junit.lines.CheckoutTest";

  @TempDir Path dir;

  @Test
  void worksOnTheOldestJUnit5Supported() throws Exception {
    Run run = console(System.getProperty("junit.line.oldest"));
    assertThat(run.status).as(run.output).isZero();
    assertThat(run.output).contains("1 tests successful").contains("0 tests failed");
  }

  @Test
  void worksOnJUnit6() throws Exception {
    Run run = console(System.getProperty("junit.line.six"));
    assertThat(run.status).as(run.output).isZero();
    assertThat(run.output).contains("1 tests successful").contains("0 tests failed");
  }

  @Test
  void aTooOldJUnitIsRefusedWithAMessageNamingTheBroker() throws Exception {
    String version = System.getProperty("junit.line.tooOld");
    Run run = console(version);
    assertThat(run.status).as(run.output).isNotZero();
    assertThat(run.output)
        .contains(
            "ephemeral-junit (the ephemeral broker's JUnit extension) needs JUnit 5.10 or later,"
                + " but the test class path has JUnit 5.9 (JUnit Platform "
                + version
                + ")");
  }

  @Test
  void platformVersionsMapToJUnitVersions() {
    assertThat(JUnitVersion.junitVersion("1.10.5")).containsExactly(5, 10);
    assertThat(JUnitVersion.junitVersion("6.0.1")).containsExactly(6, 0);
    assertThat(JUnitVersion.junitVersion("6.1.0-M1")).containsExactly(6, 1);
    assertThat(JUnitVersion.junitVersion(null)).isNull();
    assertThat(JUnitVersion.problem("1.14.4")).isNull();
    assertThat(JUnitVersion.problem("1.8.2")).contains("has JUnit 5.8");
  }

  private record Run(int status, String output) {}

  /** The suite under junit-platform-console-standalone {@code platformVersion}. */
  private Run console(String platformVersion) throws IOException, InterruptedException {
    Path launcher = LINES.resolve("junit-platform-console-standalone-" + platformVersion + ".jar");
    assertThat(launcher).exists();
    String classPath =
        Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .filter(entry -> !isJUnit(Path.of(entry).getFileName().toString()))
            .collect(Collectors.joining(File.pathSeparator));
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + dir,
                "-jar",
                launcher.toString()));
    if (!platformVersion.startsWith("1.9.")) {
      command.add("execute"); // the subcommand style since Platform 1.10
    }
    command.addAll(
        List.of(
            "--disable-banner",
            "--details=summary",
            "--class-path",
            classPath,
            "--select-class",
            SUITE));
    Path output = dir.resolve("console-" + platformVersion + ".txt");
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
    builder.environment().remove("EPHEMERAL_PIPE");
    Process process = builder.start();
    if (!process.waitFor(2, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError("console launcher " + platformVersion + " did not finish");
    }
    return new Run(process.exitValue(), Files.readString(output));
  }

  /** JUnit's own jars and the libraries they bring, which the console launcher carries itself. */
  private static boolean isJUnit(String jar) {
    return jar.startsWith("junit-")
        || jar.startsWith("opentest4j-")
        || jar.startsWith("apiguardian-")
        || jar.startsWith("jspecify-");
  }
}
