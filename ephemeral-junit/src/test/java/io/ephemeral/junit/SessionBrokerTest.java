package io.ephemeral.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder.request;

import io.ephemeral.broker.Broker;
import io.ephemeral.client.BrokerClient;
import io.ephemeral.client.ScopedBroker;
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

/**
 * Where the broker comes from: a configured pipe, else the scope's broker (a process of its own),
 * which leaves nothing behind once the last session of the scope closed.
 */
class SessionBrokerTest {
  static volatile Path seenPipe;
  static volatile boolean socketExisted;
  static volatile long seenPid;

  @Test
  void aSessionUsesThePipeOfThePropertyAndLeavesThatBrokerRunning() throws Exception {
    try (Broker external = Broker.builder().environment(Map.of()).build()) {
      Path pipe = external.start();
      BrokerSession session =
          new BrokerSession(
              name -> null, Map.of(BrokerSession.PIPE_PROPERTY, pipe.toString())::get);
      assertThat(session.pipe()).isEqualTo(pipe);
      assertThat(session.scoped()).isNull();
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
        assertThat(session.scoped()).isNull();
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
  void sessionsWithoutAPipeShareTheBrokerOfTheirScopeWhichEndsAfterTheLastLeft() throws Exception {
    Map<String, String> props = Scopes.fresh();
    BrokerSession first = new BrokerSession(name -> null, props::get);
    BrokerSession second = new BrokerSession(name -> null, props::get);
    Path pipe = first.pipe();
    assertThat(second.pipe()).isEqualTo(pipe);
    assertThat(first.scoped().started()).isTrue();
    assertThat(second.scoped().started()).as("the second finds the first's broker").isFalse();
    long pid = first.scoped().pid();
    assertThat(second.scoped().pid()).isEqualTo(pid);
    first.client().set("shared", 1, Duration.ofMinutes(1));
    assertThat(second.client().get("shared", Integer.class)).isEqualTo(1);
    first.close();
    assertThat(second.client().ping()).as("still up for the second").isPositive();
    second.close();
    Scopes.assertEnds(pid);
    assertThat(pipe).doesNotExist();
  }

  @Test
  void aLauncherSessionAttachesOnFirstUseAndItsBrokerEndsAfterItClosed() throws Exception {
    seenPipe = null;
    long[] pid = new long[1];
    Scopes.runInOwnSession(
        PipeFixture.class,
        summary -> {
          assertThat(summary.getTestsSucceededCount()).isEqualTo(1);
          assertThat(socketExisted).isTrue();
          assertThat(seenPipe).exists();
          pid[0] = seenPid;
        });
    Scopes.assertEnds(pid[0]);
    assertThat(seenPipe).doesNotExist();
    assertThat(seenPipe)
        .isNotEqualTo(BrokerSession.current().pipe())
        .as("the outer session's broker is the build's");
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
  void withoutTheListenerAJvmWideSessionAttachesAndItsBrokerEndsWhenTheJvmExits(@TempDir Path dir)
      throws Exception {
    Path out = dir.resolve("child.out");
    Process child =
        Children.java(
            Scopes.freshVariables(),
            out,
            FixtureRunner.class,
            "--no-listener",
            JvmWideFixture.class.getName());
    assertThat(child.waitFor(120, TimeUnit.SECONDS)).isTrue();
    String output = Files.readString(out);
    assertThat(child.exitValue()).as(output).isZero();
    assertThat(output)
        .as("the one line naming the broker")
        .contains("[ephemeral-junit] broker pid ");
    Path pipe = Path.of(Scopes.printed(output, "pipe="));
    Scopes.assertEnds(Long.parseLong(Scopes.printed(output, "pid=")));
    assertThat(pipe).doesNotExist();
  }

  @EphemeralBroker
  static class PipeFixture {
    @Test
    void records(BrokerClient client) {
      seenPipe = client.pipe();
      socketExisted = Files.exists(client.pipe());
      ScopedBroker scoped = BrokerSession.current().scoped();
      seenPid = scoped == null ? -1 : scoped.pid();
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
      System.out.println("pid=" + BrokerSession.current().scoped().pid());
    }
  }
}
