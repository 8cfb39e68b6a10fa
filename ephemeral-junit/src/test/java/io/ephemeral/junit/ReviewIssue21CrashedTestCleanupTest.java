package io.ephemeral.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder.request;

import io.ephemeral.broker.Broker;
import io.ephemeral.client.BrokerClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;

/**
 * Review issue #21: when a test crashed, the original's after() hook did not run and the broker
 * kept running. Here cleanup does not depend on the tests behaving: a failing test, a test JVM that
 * exits in the middle of a test, and a program that never stops its broker all end with the socket
 * and its directory gone, and no broker ever keeps a JVM alive.
 */
class ReviewIssue21CrashedTestCleanupTest {
  static volatile Path seenPipe;

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
  void aFailingTestLeavesNothingBehind() {
    assumeTrue(
        System.getProperty(BrokerSession.PIPE_PROPERTY) == null
            && System.getenv(BrokerSession.PIPE_VARIABLE) == null,
        "runs only without a configured broker");
    seenPipe = null;
    SummaryGeneratingListener summary = new SummaryGeneratingListener();
    armed = true;
    try (LauncherSession session = LauncherFactory.openSession()) {
      session
          .getLauncher()
          .execute(request().selectors(selectClass(FailingFixture.class)).build(), summary);
      assertThat(summary.getSummary().getTestsFailedCount()).isEqualTo(1);
      assertThat(seenPipe).exists();
    } finally {
      armed = false;
    }
    assertGone(seenPipe);
  }

  @Test
  void aTestJvmThatExitsInTheMiddleOfATestLeavesNothingBehind(@TempDir Path dir) throws Exception {
    assertGone(
        pipeOfChild(
            dir,
            Map.of(ARMED_VARIABLE, "1"),
            3,
            FixtureRunner.class,
            ExitingFixture.class.getName()));
  }

  @Test
  void aBrokerNobodyStopsNeitherKeepsItsJvmAliveNorOutlivesIt(@TempDir Path dir) throws Exception {
    // The child's main thread returns with the broker running: the JVM must still end.
    assertGone(pipeOfChild(dir, Map.of(), 0, AbandonedBroker.class));
  }

  /** Runs a child JVM, checks its exit status and returns the pipe it printed. */
  private static Path pipeOfChild(
      Path dir, Map<String, String> env, int status, Class<?> main, String... args)
      throws Exception {
    Path out = dir.resolve("child.out");
    Process child = Children.java(env, out, main, args);
    assertThat(child.waitFor(120, TimeUnit.SECONDS)).as("the child JVM ends").isTrue();
    String output = Files.readString(out);
    assertThat(child.exitValue()).as(output).isEqualTo(status);
    return printedPipe(output);
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
      client.ping();
      fail("on purpose: the broker must be cleaned up anyway");
    }
  }

  @EphemeralBroker
  static class ExitingFixture {
    @Test
    void exits(BrokerClient client) {
      assumeTrue(
          System.getenv(ARMED_VARIABLE) != null,
          "a fixture of ReviewIssue21CrashedTestCleanupTest");
      client.ping();
      System.out.println("pipe=" + client.pipe());
      System.out.flush();
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
