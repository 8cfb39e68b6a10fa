package io.ephemeral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

/**
 * Every code block of the README is covered. Shell blocks run as written: the two commands at the
 * top from the source tree (the second is what CI runs), the others in a sandbox where the
 * distribution is installed as the README says, with stand-ins for the user's own tools ({@code
 * mvn}, {@code ./gradlew}) that only ping the broker they were started under. Java, XML, JavaScript
 * and Kotlin blocks must appear line for line, in order, in a test or an example that the build
 * runs.
 */
class ReadmeIT {

  private static final Path ROOT = DistributionIT.SOURCE_TREE;
  private static final Pattern BLOCK =
      Pattern.compile("^```(\\w+)\\n(.*?)^```$", Pattern.MULTILINE | Pattern.DOTALL);

  /** A stand-in for a user's build tool: it asks the broker it was started under for a pong. */
  private static final String STAND_IN = "#!/bin/sh\nexec brokerctl --json ping\n";

  @TempDir Path sandbox;

  private record Block(String language, String text) {
    List<String> lines() {
      return text.lines().filter(l -> !l.isBlank()).toList();
    }
  }

  private static List<Block> blocks() throws IOException {
    Matcher m = BLOCK.matcher(Files.readString(ROOT.resolve("README.md")));
    List<Block> blocks = new ArrayList<>();
    while (m.find()) {
      blocks.add(new Block(m.group(1), m.group(2)));
    }
    return blocks;
  }

  @Test
  void theFirstCommandBuildsAndRunsTheCliFromTheSourceTree() throws IOException {
    Block first = blocks().get(0);
    assertThat(first.language()).isEqualTo("bash");
    String[] parts = first.text().strip().split(" && ", 2);
    assertThat(parts[0]).isEqualTo("mvn -q -DskipTests package"); // this build did just that
    Shell.Result result =
        Shell.script(ROOT, Map.of("JAVA_HOME", DistributionIT.javaHome().toString()), parts[1]);
    result.expect(0);
    assertThat(result.out()).isEqualTo("OK\n\"abc\"\n");
  }

  @Test
  void theSecondCommandIsWhatCiRuns() throws IOException {
    Block second = blocks().get(1);
    List<String> ci = Files.readAllLines(ROOT.resolve(".ci/run"));
    assertThat(ci.get(ci.size() - 1)).isEqualTo(second.text().strip());
  }

  @Test
  void theOtherShellBlocksRunAsWrittenAgainstTheInstalledDistribution() throws IOException {
    Path work = Files.createDirectories(sandbox.resolve("work"));
    Path home = Files.createDirectories(sandbox.resolve("home"));
    Files.createDirectories(home.resolve(".local/bin"));
    Path tools = Files.createDirectories(sandbox.resolve("tools"));
    Files.copy(
        DistributionIT.ARCHIVE,
        work.resolve(DistributionIT.ARCHIVE.getFileName()),
        StandardCopyOption.REPLACE_EXISTING);
    executable(tools.resolve("mvn"), STAND_IN);
    executable(work.resolve("gradlew"), STAND_IN);
    Map<String, String> env =
        Map.of(
            "HOME", home.toString(),
            "PATH", home.resolve(".local/bin") + ":" + tools + ":/usr/local/bin:/usr/bin:/bin",
            "JAVA_HOME", DistributionIT.javaHome().toString());

    List<Block> shell = blocks().stream().skip(2).filter(b -> b.language().equals("bash")).toList();
    assertThat(shell).as("the install block and the quick starts").hasSizeGreaterThanOrEqualTo(3);
    for (Block block : shell) {
      Shell.Result result = Shell.script(work, env, block.text());
      assertThat(result.status()).as(block.text() + "\n" + result).isZero();
      assertThat(result.err()).doesNotContain("Error");
    }
  }

  @Test
  void theBomManagesEveryPublishedModuleAndTheReadmeNamesThem() throws Exception {
    Set<String> published = new TreeSet<>();
    for (String module : xml(ROOT.resolve("pom.xml"), "/project/modules/module")) {
      Path pom = ROOT.resolve(module).resolve("pom.xml");
      boolean skipped =
          xml(pom, "/project/properties/*[name()='maven.deploy.skip']").contains("true");
      if (!skipped && !module.equals("ephemeral-bom")) {
        published.add(xml(pom, "/project/artifactId").get(0));
      }
    }
    assertThat(published).contains("ephemeral-client", "ephemeral-spring-boot-starter");
    assertThat(
            xml(
                ROOT.resolve("ephemeral-bom/pom.xml"),
                "/project/dependencyManagement/dependencies/dependency/artifactId"))
        .as("the BOM manages the published modules, and only them")
        .containsExactlyInAnyOrderElementsOf(published);

    Matcher row =
        Pattern.compile("^\\| `(ephemeral-[\\w-]+)` \\|", Pattern.MULTILINE)
            .matcher(Files.readString(ROOT.resolve("README.md")));
    Set<String> named = new TreeSet<>();
    while (row.find()) {
      named.add(row.group(1));
    }
    assertThat(named).as("the README's table of artifacts").isEqualTo(published);
  }

  /**
   * Every message in the README's Troubleshooting table is what a user meets: each is provoked here
   * from the source tree's launchers and found on stderr ({@code …} standing for any text), with
   * the exit status the row states. The launcher's own messages and the JUnit one are provoked by
   * the tests named below, with a fake installation and old JUnit lines.
   */
  @Test
  void everyTroubleshootingMessageIsWhatTheLaunchersPrint() throws IOException {
    Path work = Files.createDirectories(sandbox.resolve("trouble"));
    Files.createFile(work.resolve("x.sock"));
    String longSocket = work + "/";
    longSocket += "s".repeat(130 - longSocket.length() - ".sock".length()) + ".sock";
    Map<String, String> scenarios =
        Map.ofEntries(
            Map.entry("no broker pipe", "brokerctl ping"),
            Map.entry(
                "broker not running",
                "pipe=$(ephemeral-broker start -- sh -c 'echo $EPHEMERAL_PIPE')\n"
                    + "EPHEMERAL_PIPE=$pipe brokerctl ping"),
            Map.entry("ttl_required", "ephemeral-broker start -- brokerctl set k v"),
            Map.entry(
                "max_items",
                "ephemeral-broker start --max-items 1 --"
                    + " sh -c 'brokerctl set a 1 --ttl 60000 && brokerctl set b 2 --ttl 60000'"),
            Map.entry(
                "auth_failed",
                "S=s3cret ephemeral-broker start --secret-env S -- env -u EPHEMERAL_SECRET"
                    + " brokerctl ping"),
            Map.entry(
                "Broker already running",
                "ephemeral-broker start --socket b.sock --"
                    + " ephemeral-broker start --socket b.sock -- true"),
            Map.entry("Refusing to replace", "ephemeral-broker start --socket x.sock -- true"),
            Map.entry(
                "Socket path too long",
                "ephemeral-broker start --socket " + longSocket + " -- true"),
            Map.entry(
                "cannot reach Redis",
                "ephemeral-broker start --store redis://127.0.0.1:1 -- true"));
    Map<String, String> provokedElsewhere =
        Map.of(
            "build first", "ephemeral-cli/src/test/java/io/ephemeral/cli/LauncherTest.java",
            "needs Java 17 or later",
                "ephemeral-cli/src/test/java/io/ephemeral/cli/LauncherTest.java",
            "needs JUnit 5.10 or later",
                "ephemeral-junit/src/test/java/io/ephemeral/junit/JUnitVersionLinesTest.java");
    Map<String, String> env =
        Map.of(
            "PATH",
            ROOT.resolve("bin") + ":/usr/local/bin:/usr/bin:/bin",
            "JAVA_HOME",
            DistributionIT.javaHome().toString());

    List<String> rows = troubleshootingRows();
    assertThat(rows).hasSizeGreaterThanOrEqualTo(scenarios.size() + provokedElsewhere.size());
    Pattern row = Pattern.compile("^\\| `([^`]+)`(?: \\(exit (\\d+)\\))? \\|");
    for (String line : rows) {
      Matcher m = row.matcher(line);
      assertThat(m.find()).as("a row of a message and what to do: %s", line).isTrue();
      String message = m.group(1);
      String elsewhere = first(provokedElsewhere, message);
      if (elsewhere != null) {
        String literal = message.split("…|/usr/bin|5\\.9")[0].strip();
        assertThat(ROOT.resolve(elsewhere)).content().contains(literal.substring(0, 20));
        continue;
      }
      String script = first(scenarios, message);
      assertThat(script).as("a scenario that provokes: %s", message).isNotNull();
      Shell.Result result = Shell.script(work, env, script);
      Pattern expected =
          Pattern.compile(
              Arrays.stream(message.split("…", -1))
                  .map(Pattern::quote)
                  .collect(Collectors.joining(".*?")));
      assertThat(expected.matcher(result.err()).find())
          .as("%s\nprints %s", script, message + "\n" + result)
          .isTrue();
      if (m.group(2) != null) {
        result.expect(Integer.parseInt(m.group(2)));
      }
    }
  }

  /** The value whose key {@code text} contains, or null. */
  private static String first(Map<String, String> byKey, String text) {
    return byKey.entrySet().stream()
        .filter(e -> text.contains(e.getKey()))
        .map(Map.Entry::getValue)
        .findFirst()
        .orElse(null);
  }

  /** The rows of the README's Troubleshooting table that start with a message. */
  private static List<String> troubleshootingRows() throws IOException {
    String readme = Files.readString(ROOT.resolve("README.md"));
    int start = readme.indexOf("\n## Troubleshooting\n");
    assertThat(start).isPositive();
    int end = readme.indexOf("\n## ", start + 1);
    return readme.substring(start, end).lines().filter(l -> l.startsWith("| `")).toList();
  }

  @Test
  void everyOtherBlockIsFoundInATestOrAnExample() throws IOException {
    List<Path> sources;
    try (Stream<Path> files = Files.walk(ROOT)) {
      sources =
          files
              .filter(Files::isRegularFile)
              .filter(
                  p ->
                      !p.toString().contains("/target/")
                          && !p.toString().contains("/node_modules/"))
              .filter(
                  p ->
                      p.startsWith(ROOT.resolve("examples")) || p.toString().contains("/src/test/"))
              .filter(p -> p.toString().matches(".*\\.(java|xml|mjs|js|kts)$"))
              .toList();
    }
    for (Block block : blocks()) {
      if (block.language().equals("bash")) {
        continue; // run by the tests above
      }
      List<String> wanted =
          block.lines().stream()
              .map(String::strip)
              .filter(l -> !l.startsWith("//") && !l.startsWith("<!--"))
              .toList();
      assertThat(sources)
          .as("a test or example holding this %s block:\n%s", block.language(), block.text())
          .anyMatch(source -> holdsInOrder(source, wanted));
    }
  }

  /** Whether {@code source} has the {@code wanted} lines (stripped), in this order. */
  private static boolean holdsInOrder(Path source, List<String> wanted) {
    List<String> lines;
    try {
      lines = Files.readAllLines(source).stream().map(String::strip).toList();
    } catch (IOException e) {
      return false;
    }
    int at = 0;
    for (String line : wanted) {
      int found = lines.subList(at, lines.size()).indexOf(line);
      if (found < 0) {
        return false;
      }
      at += found + 1;
    }
    return true;
  }

  /** The text of the nodes of {@code file} that {@code xpath} selects. */
  private static List<String> xml(Path file, String xpath) throws Exception {
    Document document =
        DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
    NodeList nodes =
        (NodeList)
            XPathFactory.newInstance().newXPath().evaluate(xpath, document, XPathConstants.NODESET);
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < nodes.getLength(); i++) {
      texts.add(nodes.item(i).getTextContent().strip());
    }
    return texts;
  }

  private static void executable(Path file, String text) throws IOException {
    Files.writeString(file, text);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }
}
