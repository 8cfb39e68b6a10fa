package io.ephemeral.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scopes: JVMs that find one broker through the private rendezvous directory, with real child JVMs
 * and real broker processes.
 */
class BrokerScopeTest {
  /** Short, so the tests need not wait long for a broker to end. */
  private static final String LINGER = "-D" + BrokerScope.LINGER_PROPERTY + "=300";

  private static final Pattern LINE = Pattern.compile("pid=(\\d+) started=(true|false) scope=.*");

  private static String uniqueScope() {
    return "test " + UUID.randomUUID();
  }

  /** Starts a child JVM of {@code scope}. */
  private static Process child(Path log, String scope, String... args) throws Exception {
    return ScopeChild.start(
        Map.of(BrokerScope.SCOPE_VARIABLE, scope), List.of(LINGER), log, ScopeChild.class, args);
  }

  private static String finished(Process p, Path log) throws Exception {
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the child JVM ends").isTrue();
    String out = Files.readString(log);
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }

  private static Matcher attached(String output) {
    Matcher m =
        LINE.matcher(output.lines().filter(l -> l.startsWith("pid=")).findFirst().orElse(""));
    assertThat(m.matches()).as(output).isTrue();
    return m;
  }

  /** Waits (at most a minute) for the process to end; false if it did not. */
  private static boolean ends(long pid) throws Exception {
    var handle = ProcessHandle.of(pid);
    if (handle.isEmpty()) {
      return true;
    }
    try {
      handle.get().onExit().get(60, TimeUnit.SECONDS);
      return true;
    } catch (java.util.concurrent.TimeoutException e) {
      return false;
    }
  }

  @Test
  void jvmsStartedTogetherShareOneBrokerThatExactlyOneOfThemStarted(@TempDir Path dir)
      throws Exception {
    String scope = uniqueScope();
    List<Process> children = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      children.add(child(dir.resolve(i + ".out"), scope, "set:k" + i + ":v", "1500"));
    }
    List<Long> pids = new ArrayList<>();
    int starters = 0;
    for (int i = 0; i < 4; i++) {
      Matcher m = attached(finished(children.get(i), dir.resolve(i + ".out")));
      pids.add(Long.parseLong(m.group(1)));
      starters += m.group(2).equals("true") ? 1 : 0;
    }
    assertThat(pids).as("one broker for the scope").containsOnly(pids.get(0));
    assertThat(starters).as("JVMs that started it").isEqualTo(1);
    assertThat(ends(pids.get(0))).as("the broker ends after its last client left").isTrue();
    BrokerScope s = BrokerScope.named(scope);
    assertThat(s.socket()).doesNotExist();
    assertThat(s.pidFile()).doesNotExist();
  }

  @Test
  void aLaterRunOfTheScopeStartsCleanAfterTheBrokerEnded(@TempDir Path dir) throws Exception {
    String scope = uniqueScope();
    Path first = dir.resolve("first.out");
    long pid =
        Long.parseLong(attached(finished(child(first, scope, "set:token:1"), first)).group(1));
    assertThat(ends(pid)).isTrue();
    Path second = dir.resolve("second.out");
    String out = finished(child(second, scope, "get:token"), second);
    assertThat(attached(out).group(2)).isEqualTo("true");
    assertThat(out).contains("token=missing");
  }

  @Test
  void aClientKilledWithSigkillStillLetsTheBrokerEnd(@TempDir Path dir) throws Exception {
    String scope = uniqueScope();
    Process holder =
        ScopeChild.start(
            Map.of(BrokerScope.SCOPE_VARIABLE, scope),
            List.of(LINGER),
            null,
            ScopeChild.class,
            "set:a:1",
            "get:a",
            "hold");
    BufferedReader out =
        new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
    String first = out.readLine(); // blocks until the holder attached (or ended)
    long pid = Long.parseLong(attached(String.valueOf(first)).group(1));
    // The holder prints its attach line before it stores: wait until its own get has read it.
    assertThat(out.readLine()).isEqualTo("a=\"1\"");
    // While a client holds it, another finds the same broker and its data.
    Path other = dir.resolve("other.out");
    String seen = finished(child(other, scope, "get:a"), other);
    assertThat(attached(seen).group(1)).isEqualTo(Long.toString(pid));
    assertThat(seen).contains("a=\"1\"");
    holder.destroyForcibly(); // SIGKILL: no shutdown hook, the kernel closes its connection
    assertThat(holder.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(ends(pid)).as("the broker ends without its killed client").isTrue();
  }

  @Test
  void aSocketFileThatNothingListensOnIsReplaced() throws Exception {
    BrokerScope scope = BrokerScope.named(uniqueScope(), System.getenv("TMPDIR"), 300);
    try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      dead.bind(UnixDomainSocketAddress.of(scope.socket()));
    }
    assertThat(scope.socket()).exists(); // closed, but the file stays: a stale socket
    try (ScopedBroker shared = scope.findOrStart();
        BrokerClient client = BrokerClient.builder().pipe(shared.pipe()).build()) {
      assertThat(shared.started()).isTrue();
      assertThat(client.ping()).isPositive();
      assertThat(scope.find())
          .as("found while running")
          .isPresent()
          .get()
          .satisfies(ScopedBroker::close);
    }
  }

  @Test
  void aClientBuiltForAScopeKeepsItsBrokerUpUntilItIsClosed() throws Exception {
    BrokerScope scope = BrokerScope.named(uniqueScope(), System.getenv("TMPDIR"), 300);
    long pid;
    try (BrokerClient client = BrokerClient.builder().environment(Map.of()).scope(scope).build()) {
      client.set("k", 1, Duration.ofMinutes(1));
      pid = scope.recordedPid();
      assertThat(pid).isPositive();
      assertThat(client.get("k", Integer.class)).isEqualTo(1);
    }
    assertThat(ends(pid)).isTrue();
    assertThat(scope.find()).isEmpty();
  }

  @Test
  void theRendezvousDirectoryIsPrivateAndAnOpenOneIsRefused(@TempDir Path tmp) throws Exception {
    BrokerScope scope = BrokerScope.named("x", tmp.toString(), -1);
    Path dir = scope.socket().getParent();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)))
        .isEqualTo("rwx------");
    assertThat(scope.socket().getFileName().toString()).matches("[0-9a-f]{16}\\.sock");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    assertThatThrownBy(() -> BrokerScope.named("x", tmp.toString(), -1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(dir.toString())
        .hasMessageContaining("rwxr-xr-x");
  }

  @Test
  void buildToolsAreRecognisedByTheirMainClass() {
    assertThat(
            BuildProcess.buildTool(
                List.of(
                    "-Dmaven.home=/opt/m", "org.codehaus.plexus.classworlds.launcher.Launcher")))
        .isEqualTo("maven");
    assertThat(BuildProcess.buildTool(List.of("org.gradle.launcher.daemon.bootstrap.GradleDaemon")))
        .isEqualTo("gradle daemon");
    assertThat(BuildProcess.buildTool(List.of("-jar", "app.jar"))).isNull();
  }

  @Test
  void forksOfOneBuildShareItsScopeAndTwoBuildsDoNot(@TempDir Path dir) throws Exception {
    List<String> runs = new ArrayList<>();
    for (int run = 0; run < 2; run++) {
      Path runDir = Files.createDirectory(dir.resolve("run" + run));
      Path log = runDir.resolve("build.out");
      Process build =
          ScopeChild.start(
              Map.of(),
              List.of(),
              log,
              FakeBuild.class,
              runDir.toString(),
              "org.codehaus.plexus.classworlds.launcher.Launcher");
      String out = finished(build, log);
      List<String> scopes = out.lines().filter(l -> l.startsWith("scope=")).toList();
      assertThat(scopes).as(out).hasSize(2);
      assertThat(scopes.get(1)).as("the two forks of one build").isEqualTo(scopes.get(0));
      assertThat(scopes.get(0)).startsWith("scope=maven pid " + build.pid() + " started ");
      runs.add(scopes.get(0));
    }
    assertThat(runs.get(1)).as("two builds").isNotEqualTo(runs.get(0));
  }
}
