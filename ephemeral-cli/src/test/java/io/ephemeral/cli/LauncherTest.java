package io.ephemeral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The bash launchers in {@code bin/}, run from a copy of the repository layout with a stand-in
 * {@code java} that prints what it was given.
 */
class LauncherTest {

  private static final Path BIN =
      Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).resolveSibling("bin");

  @TempDir Path repo;

  @ParameterizedTest
  @CsvSource({"ephemeral-broker, ''", "brokerctl, 'ctl '"})
  void runsJavaFromJavaHomeWithTheJarAndArgumentsThroughASymlink(String launcher, String prefix)
      throws Exception {
    Path script = install(launcher);
    Path jar = repo.resolve("ephemeral-cli/target/ephemeral-broker.jar");
    Files.createDirectories(jar.getParent());
    Files.writeString(jar, "");
    Path javaHome = repo.resolve("jdk");
    executable(javaHome.resolve("bin/java"), "#!/bin/sh\nprintf '%s|' \"$@\"\n");
    Path link = Files.createSymbolicLink(repo.resolve("link"), script);

    Result result = run(link, Map.of("JAVA_HOME", javaHome.toString()), "a b", "--x");
    assertThat(result.status).as(result.err).isZero();
    assertThat(result.out)
        .startsWith("-XX:+UseSerialGC|")
        .endsWith("-jar|" + jar.toRealPath() + "|" + prefix.replace(" ", "|") + "a b|--x|");
  }

  @ParameterizedTest
  @CsvSource({"ephemeral-broker", "brokerctl"})
  void missingJarSaysBuildFirst(String launcher) throws Exception {
    Result result = run(install(launcher), Map.of(), "--version");
    assertThat(result.status).isEqualTo(1);
    assertThat(result.err).isEqualTo("build first: mvn -q -DskipTests package\n");
  }

  @Test
  void launchersAreExecutable() {
    assertThat(BIN.resolve("ephemeral-broker")).isExecutable();
    assertThat(BIN.resolve("brokerctl")).isExecutable();
  }

  private Path install(String launcher) throws IOException {
    Path target = repo.resolve("bin").resolve(launcher);
    Files.createDirectories(target.getParent());
    Files.copy(BIN.resolve(launcher), target);
    return target;
  }

  private static void executable(Path file, String text) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private record Result(int status, String out, String err) {}

  private static Result run(Path script, Map<String, String> env, String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of(script.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().remove("JAVA_HOME");
    builder.environment().putAll(env);
    Process process = builder.start();
    process.getOutputStream().close();
    byte[] out = process.getInputStream().readAllBytes();
    byte[] err = process.getErrorStream().readAllBytes();
    return new Result(
        process.waitFor(),
        new String(out, StandardCharsets.UTF_8),
        new String(err, StandardCharsets.UTF_8));
  }
}
