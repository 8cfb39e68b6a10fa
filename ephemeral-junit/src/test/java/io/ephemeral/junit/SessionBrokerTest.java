package io.ephemeral.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder.request;

import io.ephemeral.broker.Broker;
import io.ephemeral.client.BrokerClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;

/** Where the broker comes from, and that a session's own broker leaves nothing behind. */
class SessionBrokerTest {
  static volatile Path seenPipe;
  static volatile boolean socketExisted;

  @Test
  void aSessionUsesThePipeOfThePropertyAndLeavesThatBrokerRunning() throws Exception {
    try (Broker external = Broker.builder().environment(Map.of()).build()) {
      Path pipe = external.start();
      BrokerSession session =
          new BrokerSession(
              name -> null, Map.of(BrokerSession.PIPE_PROPERTY, pipe.toString())::get);
      assertThat(session.pipe()).isEqualTo(pipe);
      assertThat(session.startedBroker()).isNull();
      session.client().set("via-property", 1, Duration.ofMinutes(1));
      session.close();
      assertThat(external.isRunning()).isTrue();
      assertThat(Files.exists(pipe)).isTrue();
    }
  }

  @Test
  void aSessionUsesThePipeOfTheVariable() throws Exception {
    try (Broker external = Broker.builder().environment(Map.of()).build()) {
      Path pipe = external.start();
      try (BrokerSession session =
          new BrokerSession(
              Map.of(BrokerSession.PIPE_VARIABLE, pipe.toString())::get, name -> null)) {
        assertThat(session.pipe()).isEqualTo(pipe);
        assertThat(session.startedBroker()).isNull();
        assertThat(session.client().ping()).isPositive();
      }
    }
  }

  @Test
  void thePropertyWinsOverTheVariable() {
    try (BrokerSession session =
        new BrokerSession(
            Map.of(BrokerSession.PIPE_VARIABLE, "/nonexistent/a.sock")::get,
            Map.of(BrokerSession.PIPE_PROPERTY, "/nonexistent/b.sock")::get)) {
      assertThat(session.pipe()).isEqualTo(Path.of("/nonexistent/b.sock"));
    }
  }

  @Test
  void aSessionWithoutAPipeStartsABrokerAndRemovesItsSocketAndDirectoryWhenClosed() {
    BrokerSession session = new BrokerSession(name -> null, name -> null);
    Path pipe = session.pipe();
    assertThat(session.startedBroker()).isNotNull();
    assertThat(session.client().ping()).isPositive();
    assertThat(pipe).exists();
    session.close();
    assertThat(pipe).doesNotExist();
    assertThat(pipe.getParent()).doesNotExist();
  }

  @Test
  void aLauncherSessionStartsItsBrokerOnFirstUseAndLeavesNothingBehind() {
    assumeTrue(
        System.getProperty(BrokerSession.PIPE_PROPERTY) == null
            && System.getenv(BrokerSession.PIPE_VARIABLE) == null,
        "runs only without a configured broker");
    seenPipe = null;
    SummaryGeneratingListener summary = new SummaryGeneratingListener();
    try (LauncherSession session = LauncherFactory.openSession()) {
      session
          .getLauncher()
          .execute(request().selectors(selectClass(PipeFixture.class)).build(), summary);
      assertThat(summary.getSummary().getTestsSucceededCount()).isEqualTo(1);
      assertThat(socketExisted).isTrue();
      assertThat(seenPipe).exists();
    }
    assertThat(seenPipe).doesNotExist();
    assertThat(seenPipe.getParent()).doesNotExist();
    assertThat(seenPipe)
        .isNotEqualTo(BrokerSession.current().pipe())
        .as("the outer session's broker is another");
  }

  @Test
  void aLauncherSessionUsesTheBrokerOfThePropertyAndDoesNotStopIt() throws Exception {
    try (Broker external = Broker.builder().environment(Map.of()).build()) {
      Path pipe = external.start();
      System.setProperty(BrokerSession.PIPE_PROPERTY, pipe.toString());
      SummaryGeneratingListener summary = new SummaryGeneratingListener();
      try (LauncherSession session = LauncherFactory.openSession()) {
        session
            .getLauncher()
            .execute(request().selectors(selectClass(PipeFixture.class)).build(), summary);
      } finally {
        System.clearProperty(BrokerSession.PIPE_PROPERTY);
      }
      assertThat(summary.getSummary().getTestsSucceededCount()).isEqualTo(1);
      assertThat(seenPipe).isEqualTo(pipe);
      assertThat(external.isRunning()).isTrue();
      assertThat(pipe).exists();
    }
  }

  @Test
  void aChildJvmWithEphemeralPipeRunsItsTestsOnThatBroker(@TempDir Path dir) throws Exception {
    try (Broker external = Broker.builder().environment(Map.of()).build()) {
      Path pipe = external.start();
      Process child =
          Children.java(
              Map.of(BrokerSession.PIPE_VARIABLE, pipe.toString()),
              dir.resolve("child.out"),
              FixtureRunner.class,
              ChildFixture.class.getName());
      assertThat(child.waitFor(120, TimeUnit.SECONDS)).isTrue();
      assertThat(child.exitValue()).as(Files.readString(dir.resolve("child.out"))).isZero();
      try (BrokerClient client = BrokerClient.builder().pipe(pipe).environment(Map.of()).build()) {
        assertThat(client.get("child-saw", String.class)).isEqualTo(pipe.toString());
      }
    }
  }

  @Test
  void withoutTheListenerAJvmWideBrokerIsRemovedWhenTheJvmExits(@TempDir Path dir)
      throws Exception {
    Path out = dir.resolve("child.out");
    Process child =
        Children.java(
            Map.of(), out, FixtureRunner.class, "--no-listener", JvmWideFixture.class.getName());
    assertThat(child.waitFor(120, TimeUnit.SECONDS)).isTrue();
    String output = Files.readString(out);
    assertThat(child.exitValue()).as(output).isZero();
    String line = output.lines().filter(l -> l.startsWith("pipe=")).findFirst().orElseThrow();
    Path pipe = Path.of(line.substring("pipe=".length()));
    assertThat(pipe).doesNotExist();
    assertThat(pipe.getParent()).doesNotExist();
  }

  @EphemeralBroker
  static class PipeFixture {
    @Test
    void records(BrokerClient client) {
      seenPipe = client.pipe();
      socketExisted = Files.exists(client.pipe());
      client.ping();
    }
  }

  @EphemeralBroker
  static class ChildFixture {
    @Test
    void writes(BrokerClient client) {
      client.set("child-saw", client.pipe().toString(), Duration.ofMinutes(1));
    }
  }

  @EphemeralBroker
  static class JvmWideFixture {
    @Test
    void prints(BrokerClient client) {
      assertThat(Files.exists(client.pipe())).isTrue();
      System.out.println("pipe=" + client.pipe());
    }
  }
}
