package io.ephemeral.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ephemeral.broker.Broker;
import io.ephemeral.client.BrokerClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review issue #21: when a test crashed, the original's after() hook did not run and the broker
 * kept running. Here cleanup does not depend on the tests behaving: after a failing test, a test
 * JVM that exits or is killed in the middle of a test, the scope's broker ends by itself and its
 * socket is gone; a program that never stops an embedded broker leaves nothing behind either, and
 * no broker ever keeps a JVM alive.
 */
class ReviewIssue21CrashedTestCleanupTest {
  static volatile Path seenPipe;
  static volatile long seenPid;

  /**
   * The fixtures misbehave only when a test here runs them (not when a test filter picks them up).
   */
  static volatile boolean armed;

  private static final String ARMED_VARIABLE = "EPHEMERAL_TEST_CRASH_ARMED";

  private static Path printedPipe(String output) {
    String line =
        output
            .lines()
            .filter(l -> l.startsWith("pipe="))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no pipe printed:\n" + output));
    return Path.of(line.substring("pipe=".length()));
  }

  @Test
  void aFailingTestLeavesNothingBehind() throws Exception {
    seenPipe = null;
    armed = true;
    try {
      Scopes.runInOwnSession(
          FailingFixture.class,
          summary -> {
            assertThat(summary.getTestsFailedCount()).isEqualTo(1);
            assertThat(seenPipe).exists();
          });
    } finally {
      armed = false;
    }
    Scopes.assertEnds(seenPid);
    assertThat(seenPipe).doesNotExist();
  }

  @Test
  void aTestJvmThatExitsInTheMiddleOfATestLeavesNothingBehind(@TempDir Path dir) throws Exception {
    Map<String, String> env = new java.util.HashMap<>(Scopes.freshVariables());
    env.put(ARMED_VARIABLE, "1");
    String output = outputOfChild(dir, env, 3, FixtureRunner.class, ExitingFixture.class.getName());
    Scopes.assertEnds(Long.parseLong(Scopes.printed(output, "pid=")));
    assertThat(Path.of(Scopes.printed(output, "pipe="))).doesNotExist();
  }

  @Test
  void aTestJvmKilledInTheMiddleOfATestLeavesNothingBehind() throws Exception {
    Map<String, String> env = new java.util.HashMap<>(Scopes.freshVariables());
    env.put(ARMED_VARIABLE, "hang");
    Process child = Children.java(env, null, FixtureRunner.class, ExitingFixture.class.getName());
    java.io.BufferedReader out =
        new java.io.BufferedReader(
            new java.io.InputStreamReader(
                child.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
    StringBuilder seen = new StringBuilder();
    String line;
    while ((line = out.readLine()) != null && !line.startsWith("pid=")) {
      seen.append(line).append('\n'); // blocks until the test printed its broker
    }
    assertThat(line).as(seen.toString()).isNotNull();
    long pid = Long.parseLong(line.substring("pid=".length()));
    child.destroyForcibly(); // SIGKILL in the middle of the test: nothing of the JVM runs after
    assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
    Scopes.assertEnds(pid);
    assertThat(Path.of(Scopes.printed(seen.toString(), "pipe="))).doesNotExist();
  }

  @Test
  void aBrokerNobodyStopsNeitherKeepsItsJvmAliveNorOutlivesIt(@TempDir Path dir) throws Exception {
    // The child's main thread returns with the broker running: the JVM must still end.
    assertGone(printedPipe(outputOfChild(dir, Map.of(), 0, AbandonedBroker.class)));
  }

  /** Runs a child JVM, checks its exit status and returns what it printed. */
  private static String outputOfChild(
      Path dir, Map<String, String> env, int status, Class<?> main, String... args)
      throws Exception {
    Path out = dir.resolve("child.out");
    Process child = Children.java(env, out, main, args);
    assertThat(child.waitFor(120, TimeUnit.SECONDS)).as("the child JVM ends").isTrue();
    String output = Files.readString(out);
    assertThat(child.exitValue()).as(output).isEqualTo(status);
    return output;
  }

  private static void assertGone(Path pipe) {
    assertThat(pipe).doesNotExist();
    assertThat(pipe.getParent()).doesNotExist();
  }

  @EphemeralBroker
  static class FailingFixture {
    @Test
    void crashes(BrokerClient client) {
      assumeTrue(armed, "a fixture of ReviewIssue21CrashedTestCleanupTest");
      seenPipe = client.pipe();
      seenPid = BrokerSession.current().scoped().pid();
      client.ping();
      fail("on purpose: the broker must be cleaned up anyway");
    }
  }

  @EphemeralBroker
  static class ExitingFixture {
    @Test
    void exits(BrokerClient client) throws InterruptedException {
      assumeTrue(
          System.getenv(ARMED_VARIABLE) != null,
          "a fixture of ReviewIssue21CrashedTestCleanupTest");
      client.ping();
      System.out.println("pipe=" + client.pipe());
      System.out.println("pid=" + BrokerSession.current().scoped().pid());
      System.out.flush();
      if (System.getenv(ARMED_VARIABLE).equals("hang")) {
        Thread.sleep(Long.MAX_VALUE); // until killed
      }
      System.exit(3); // no after-hook of any kind runs past this point
    }
  }

  /** Starts a broker, uses it and returns from main without stopping it. */
  public static final class AbandonedBroker {
    private AbandonedBroker() {}

    public static void main(String[] args) throws Exception {
      Broker broker = Broker.builder().environment(Map.of()).build();
      Path pipe = broker.start();
      try (BrokerClient client = BrokerClient.builder().environment(Map.of()).pipe(pipe).build()) {
        client.ping();
      }
      System.out.println("pipe=" + pipe);
    }
  }
}
