package io.ephemeral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The bash launchers in {@code bin/}, run from a copy of the repository layout (or of the unpacked
 * distribution) with a stand-in {@code java} that prints what it was given and, like the real one,
 * writes the class-data archive it is asked to record. The real JVM runs them in {@code
 * DistributionIT}.
 */
class LauncherTest {

  private static final Path BIN =
      Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).resolveSibling("bin");

  /** Prints its arguments separated by '|' and writes a file at any record option's path. */
  private static final String FAKE_JAVA =
      "#!/bin/sh\n"
          + "for a in \"$@\"; do case \"$a\" in\n"
          + "  -XX:ArchiveClassesAtExit=*|-XX:AOTCacheOutput=*) echo archive > \"${a#*=}\" ;;\n"
          + "esac; done\n"
          + "printf '%s|' \"$@\"\n";

  @TempDir Path repo;

  @ParameterizedTest
  @CsvSource({"ephemeral-broker, ''", "brokerctl, 'ctl '"})
  void runsJavaFromJavaHomeWithTheJarAndArgumentsThroughASymlink(String launcher, String prefix)
      throws Exception {
    Path script = install(launcher);
    Path jar = jar("ephemeral-cli/target");
    Path javaHome = javaHome("17.0.15+6-Debian-1deb12u1");
    Path link = Files.createSymbolicLink(repo.resolve("link"), script);

    Result result = run(link, Map.of("JAVA_HOME", javaHome.toString()), "a b", "--x");
    assertThat(result.status).as(result.err).isZero();
    assertThat(result.out)
        .startsWith("-XX:+UseSerialGC|")
        .endsWith(
            "-cp|"
                + jar.toRealPath()
                + "|"
                + Main.class.getName()
                + "|"
                + prefix.replace(" ", "|")
                + "a b|--x|");
  }

  @Test
  void theDistributionsLibFolderComesFirst() throws Exception {
    Path script = install("brokerctl");
    jar("ephemeral-cli/target");
    Path lib = jar("lib");
    Result result = run(script, Map.of("JAVA_HOME", javaHome("17.0.15+6").toString()), "--version");
    assertThat(result.out)
        .endsWith("-cp|" + lib.toRealPath() + "|" + Main.class.getName() + "|ctl|--version|");
  }

  @ParameterizedTest
  @CsvSource({"ephemeral-broker", "brokerctl"})
  void missingJarSaysBuildFirst(String launcher) throws Exception {
    Result result = run(install(launcher), Map.of(), "--version");
    assertThat(result.status).isEqualTo(ExitStatus.UNAVAILABLE.code);
    assertThat(result.err)
        .isEqualTo(
            "build first: mvn -q -DskipTests package (no "
                + repo.toRealPath()
                + "/lib/ephemeral-broker.jar either)\n");
  }

  @Test
  void anOldJavaIsRefusedByName() throws Exception {
    Path script = install("ephemeral-broker");
    jar("lib");
    Path javaHome = javaHome("11.0.22+7");
    Result result = run(script, Map.of("JAVA_HOME", javaHome.toString()), "start");
    assertThat(result.status).isEqualTo(ExitStatus.UNAVAILABLE.code);
    assertThat(result.err)
        .isEqualTo(
            "ephemeral-broker needs Java 17 or later; "
                + javaHome.resolve("bin/java")
                + " is Java 11.0.22+7\n");
  }

  @Test
  void firstStartRecordsOneArchivePerLauncherAndLaterStartsUseThem() throws Exception {
    Path broker = install("ephemeral-broker");
    Path ctl = install("brokerctl");
    Path jar = jar("lib");
    Map<String, String> env = Map.of("JAVA_HOME", javaHome("17.0.15+6-Debian").toString());

    Result first = run(ctl, env, "ping");
    Path brokerArchive = repo.resolve("lib/ephemeral-broker.17.0.15_6_Debian.broker.jsa");
    Path ctlArchive = repo.resolve("lib/ephemeral-broker.17.0.15_6_Debian.ctl.jsa");
    assertThat(brokerArchive).exists();
    assertThat(ctlArchive).exists();
    assertThat(first.out).contains("|-XX:SharedArchiveFile=" + ctlArchive.toRealPath() + "|");
    assertThat(run(broker, env, "start").out)
        .contains("|-XX:SharedArchiveFile=" + brokerArchive.toRealPath() + "|")
        .doesNotContain("--sun-misc-unsafe-memory-access");

    // A jar rebuilt after its archives were made: they are recorded again.
    FileTime before = FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() - 60_000);
    Files.setLastModifiedTime(brokerArchive, before);
    Files.setLastModifiedTime(ctlArchive, before);
    assertThat(run(ctl, env, "ping").out).contains("|-XX:SharedArchiveFile=");
    assertThat(Files.getLastModifiedTime(ctlArchive)).isGreaterThan(Files.getLastModifiedTime(jar));
    assertThat(Files.getLastModifiedTime(brokerArchive))
        .isGreaterThan(Files.getLastModifiedTime(jar));
  }

  @Test
  void jdk25RecordsAnAotCacheAndAllowsMsgpacksUnsafeAccessQuietly() throws Exception {
    Path ctl = install("brokerctl");
    jar("lib");
    Map<String, String> env = Map.of("JAVA_HOME", javaHome("25.0.3+9-LTS").toString());
    Path cache = repo.resolve("lib/ephemeral-broker.25.0.3_9_LTS.ctl.aot");
    assertThat(run(ctl, env, "ping").out)
        .contains("|--sun-misc-unsafe-memory-access=allow|")
        .contains("|-XX:AOTCache=" + repo.toRealPath().resolve("lib").resolve(cache.getFileName()))
        .doesNotContain("-Xshare");
    assertThat(cache).exists();
  }

  @Test
  void noArchiveWhenAskedNot() throws Exception {
    Path ctl = install("brokerctl");
    Path jar = jar("lib");
    Map<String, String> env =
        Map.of("JAVA_HOME", javaHome("17.0.15").toString(), "EPHEMERAL_NO_CDS", "1");
    assertThat(run(ctl, env, "ping").out).doesNotContain("SharedArchiveFile");
    try (Stream<Path> files = Files.list(jar.getParent())) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactly("ephemeral-broker.jar");
    }
  }

  @Test
  void launchersAreExecutable() {
    assertThat(BIN.resolve("ephemeral-broker")).isExecutable();
    assertThat(BIN.resolve("brokerctl")).isExecutable();
  }

  private Path install(String launcher) throws IOException {
    Path target = repo.resolve("bin").resolve(launcher);
    Files.createDirectories(target.getParent());
    Files.copy(BIN.resolve(launcher), target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
    Path common = repo.resolve("bin/ephemeral-launcher.sh");
    if (!Files.exists(common)) {
      Files.copy(BIN.resolve("ephemeral-launcher.sh"), common);
    }
    return target;
  }

  /** An empty jar in {@code folder} (relative to the copy). */
  private Path jar(String folder) throws IOException {
    Path jar = repo.resolve(folder).resolve("ephemeral-broker.jar");
    Files.createDirectories(jar.getParent());
    Files.writeString(jar, "");
    return jar;
  }

  /** A Java installation whose release file names {@code runtimeVersion}. */
  private Path javaHome(String runtimeVersion) throws IOException {
    Path home = repo.resolve("jdk-" + runtimeVersion);
    executable(home.resolve("bin/java"), FAKE_JAVA);
    Files.writeString(
        home.resolve("release"),
        "IMPLEMENTOR=\"Test\"\nJAVA_RUNTIME_VERSION=\"" + runtimeVersion + "\"\n");
    return home;
  }

  private static void executable(Path file, String text) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private record Result(int status, String out, String err) {}

  private static Result run(Path script, Map<String, String> env, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(script.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().remove("JAVA_HOME");
    builder.environment().remove("EPHEMERAL_NO_CDS");
    builder.environment().remove("EPHEMERAL_JAVA_OPTS");
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
