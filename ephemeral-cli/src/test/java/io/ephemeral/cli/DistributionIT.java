package io.ephemeral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution as a user gets it: the {@code tar.gz} built by this module, unpacked into a
 * temporary directory outside the source tree, its launchers linked into a folder on the {@code
 * PATH}, and a broker run around {@code brokerctl} from another working directory.
 */
class DistributionIT {

  static final String VERSION = System.getProperty("dist.version");
  static final Path ARCHIVE = Path.of(System.getProperty("dist.archive"));
  private static final Path ZIP = Path.of(System.getProperty("dist.zip"));
  static final Path SOURCE_TREE =
      Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).getParent();

  @TempDir static Path outside;

  static Path home;
  static Path onPath;

  @BeforeAll
  static void unpackAndLink() throws Exception {
    home = unpack(Files.createDirectories(outside.resolve("opt")));
    onPath = Files.createDirectories(outside.resolve("path-bin"));
    for (String launcher : List.of("ephemeral-broker", "brokerctl")) {
      Files.createSymbolicLink(onPath.resolve(launcher), home.resolve("bin").resolve(launcher));
    }
  }

  /**
   * Unpacks the tar.gz into {@code dir}, which must lie outside the source tree; returns the
   * installation's folder.
   */
  static Path unpack(Path dir) throws IOException {
    assertThat(dir.toRealPath().startsWith(SOURCE_TREE.toRealPath()))
        .as("%s is outside the source tree %s", dir, SOURCE_TREE)
        .isFalse();
    run(dir, Map.of(), "tar", "xzf", ARCHIVE.toString()).expect(0);
    return dir.resolve("ephemeral-broker-" + VERSION);
  }

  @Test
  void theArchiveHoldsTheLaunchersTheJarTheLicenceAndTheReadme() throws IOException {
    assertThat(packed())
        .containsExactlyInAnyOrder(
            "LICENSE",
            "NOTICE",
            "README.md",
            "bin/brokerctl",
            "bin/ephemeral-broker",
            "bin/ephemeral-launcher.sh",
            "lib/ephemeral-broker.jar");
    assertThat(home.resolve("bin/ephemeral-broker")).isExecutable();
    assertThat(home.resolve("bin/brokerctl")).isExecutable();
    assertThat(home.resolve("LICENSE")).content().startsWith("MIT License");
  }

  @Test
  void theZipHoldsTheSameFiles() throws IOException {
    try (ZipFile zip = new ZipFile(ZIP.toFile())) {
      List<String> names =
          zip.stream()
              .filter(e -> !e.isDirectory())
              .map(ZipEntry::getName)
              .map(n -> n.substring(n.indexOf('/') + 1))
              .toList();
      assertThat(names).containsExactlyInAnyOrderElementsOf(packed());
    }
  }

  @Test
  void fromThePathAnywhereItRunsACommandUnderABroker() throws Exception {
    Path work = Files.createDirectories(outside.resolve("work"));
    Shell.Result result =
        run(
            work,
            env(javaHome()),
            "ephemeral-broker",
            "start",
            "--",
            "brokerctl",
            "--json",
            "ping");
    result.expect(0);
    JsonNode pong = new ObjectMapper().readTree(result.out());
    assertThat(pong.path("ok").asBoolean()).as(result.toString()).isTrue();
    assertThat(pong.path("roundTripMs").isNumber()).isTrue();
    assertThat(result.err()).contains("[broker] Broker stopped and cleaned up");

    // The first start recorded the class data of both launchers beside the jar.
    assertThat(files(home.resolve("lib")))
        .anyMatch(name -> name.endsWith(".broker.jsa"))
        .anyMatch(name -> name.endsWith(".ctl.jsa"));
    run(work, env(javaHome()), "ephemeral-broker", "start", "--", "brokerctl", "ping").expect(0);
  }

  @Test
  void bothLaunchersTellTheirVersion() throws Exception {
    Path work = Files.createDirectories(outside.resolve("version"));
    assertThat(run(work, env(javaHome()), "ephemeral-broker", "--version").expect(0).out())
        .isEqualTo("ephemeral-broker " + VERSION + "\n");
    assertThat(run(work, env(javaHome()), "brokerctl", "--version").expect(0).out())
        .isEqualTo("brokerctl " + VERSION + "\n");
  }

  @Test
  void jdk25RunsFromAnAotCacheWithoutUnsafeWarnings() throws Exception {
    Path jdk = newerJdk(25);
    Path work = Files.createDirectories(outside.resolve("jdk25"));
    // --msgpack: both JVMs use msgpack-core, which calls sun.misc.Unsafe's memory methods.
    for (int start = 0; start < 2; start++) {
      Shell.Result result =
          run(
              work,
              env(jdk),
              "ephemeral-broker",
              "start",
              "--",
              "brokerctl",
              "call",
              "nobody",
              "here",
              "--msgpack");
      result.expect(ExitStatus.REFUSED.code);
      assertThat(result.err())
          .contains("Error: call failed: SERVICE_NOT_FOUND")
          .doesNotContain("WARNING")
          .doesNotContain("Unsafe");
    }
    assertThat(files(home.resolve("lib")))
        .anyMatch(name -> name.endsWith(".broker.aot"))
        .anyMatch(name -> name.endsWith(".ctl.aot"));
  }

  @Test
  void noticeNamesEveryBundledLibraryAndTheJarCarriesTheLicences() throws IOException {
    String notice = Files.readString(home.resolve("NOTICE"));
    Pattern coordinates = Pattern.compile("^\\s+([\\w.-]+):([\\w.-]+):jar:", Pattern.MULTILINE);
    Matcher m = coordinates.matcher(Files.readString(Path.of(System.getProperty("dist.bundled"))));
    List<String> bundled = new ArrayList<>();
    while (m.find()) {
      bundled.add(m.group(1) + ":" + m.group(2));
    }
    assertThat(bundled).contains("org.msgpack:msgpack-core");
    assertThat(bundled).allSatisfy(library -> assertThat(notice).contains(library));
    assertThat(notice).contains("info.picocli:picocli"); // compiled in from its source

    try (ZipFile jar = new ZipFile(home.resolve("lib/ephemeral-broker.jar").toFile())) {
      assertThat(text(jar, "META-INF/LICENSE"))
          .isEqualTo(Files.readString(home.resolve("LICENSE")));
      assertThat(text(jar, "META-INF/NOTICE")).isEqualTo(notice);
      // picocli's classes are Java 17 class files, which class-data sharing can archive
      byte[] commandLine =
          jar.getInputStream(jar.getEntry("picocli/CommandLine.class")).readAllBytes();
      assertThat(((commandLine[6] & 0xff) << 8) | (commandLine[7] & 0xff)).isEqualTo(61);
      Matcher named = Pattern.compile("\\| (\\S+\\.txt)").matcher(notice);
      while (named.find()) {
        assertThat(jar.getEntry("META-INF/licenses/" + named.group(1)))
            .as("licence text %s named in NOTICE", named.group(1))
            .isNotNull();
      }
    }
  }

  // ---------------------------------------------------------------------------------------

  private static String text(ZipFile zip, String name) throws IOException {
    ZipEntry entry = zip.getEntry(name);
    assertThat(entry).as(name).isNotNull();
    return new String(zip.getInputStream(entry).readAllBytes(), StandardCharsets.UTF_8);
  }

  /** The files in the tar.gz, without the top folder. */
  private static List<String> packed() {
    return run(outside, Map.of(), "tar", "tzf", ARCHIVE.toString())
        .expect(0)
        .out()
        .lines()
        .filter(name -> !name.endsWith("/"))
        .map(name -> name.substring(name.indexOf('/') + 1))
        .toList();
  }

  private static List<String> files(Path root) throws IOException {
    try (Stream<Path> all = Files.walk(root)) {
      return all.filter(Files::isRegularFile)
          .map(p -> root.relativize(p).toString())
          .sorted()
          .toList();
    }
  }

  static Path javaHome() {
    return Path.of(System.getProperty("java.home"));
  }

  /** A JDK of at least {@code major} installed beside the one running the tests. */
  private static Path newerJdk(int major) throws IOException {
    Path jvms = Path.of("/usr/lib/jvm");
    TreeSet<String> seen = new TreeSet<>();
    try (Stream<Path> homes = Files.isDirectory(jvms) ? Files.list(jvms) : Stream.empty()) {
      for (Path candidate : homes.sorted().toList()) {
        Path release = candidate.resolve("release");
        if (!Files.isRegularFile(release) || !Files.isExecutable(candidate.resolve("bin/java"))) {
          continue;
        }
        Matcher v = Pattern.compile("JAVA_VERSION=\"(\\d+)").matcher(Files.readString(release));
        if (v.find()) {
          seen.add(candidate + " (" + v.group(1) + ")");
          if (Integer.parseInt(v.group(1)) >= major) {
            return candidate;
          }
        }
      }
    }
    throw new AssertionError(
        "this test needs a JDK "
            + major
            + "+ under /usr/lib/jvm (the launcher's AOT-cache path); found: "
            + seen);
  }

  /** PATH with the linked launchers first and no trace of the source tree; JAVA_HOME given. */
  private static Map<String, String> env(Path javaHome) {
    return Map.of(
        "PATH", onPath + ":/usr/local/bin:/usr/bin:/bin", "JAVA_HOME", javaHome.toString());
  }

  private static Shell.Result run(Path dir, Map<String, String> env, String... command) {
    return Shell.run(dir, env, command);
  }
}
