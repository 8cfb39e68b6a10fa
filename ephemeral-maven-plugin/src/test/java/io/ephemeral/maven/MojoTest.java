package io.ephemeral.maven;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ephemeral.broker.Broker;
import io.ephemeral.client.AuthFailedException;
import io.ephemeral.client.BrokerClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.project.MavenProject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MojoTest {
  private final List<Broker> external = new ArrayList<>();

  @AfterEach
  void cleanUp() {
    RunningBrokers.stopAll();
    external.forEach(Broker::stop);
  }

  static MavenProject project(String artifactId) {
    MavenProject p = new MavenProject();
    p.setGroupId("com.example");
    p.setArtifactId(artifactId);
    p.setVersion("1.0");
    return p;
  }

  static StartMojo start(MavenProject project, Map<String, String> env) {
    StartMojo m = new StartMojo();
    m.project = project;
    m.environment = env;
    return m;
  }

  static StopMojo stop(MavenProject project) {
    StopMojo m = new StopMojo();
    m.project = project;
    return m;
  }

  static BrokerClient client(Path pipe, String secret) {
    BrokerClient.Builder b =
        BrokerClient.builder().environment(Map.of()).pipe(pipe).timeout(Duration.ofSeconds(3));
    if (secret != null) {
      b.secret(secret);
    }
    return b.build();
  }

  static Path pipe(MavenProject p) {
    return Path.of(p.getProperties().getProperty("ephemeral.pipe"));
  }

  @Test
  void startSetsThePropertyAndStopRemovesSocketAndDirectory() throws Exception {
    MavenProject p = project("a");
    start(p, Map.of()).execute();
    Path pipe = pipe(p);
    assertThat(pipe).exists();
    try (BrokerClient c = client(pipe, null)) {
      c.set("k", "v", Duration.ofMinutes(1));
      assertThat(c.get("k", String.class)).isEqualTo("v");
    }
    assertThat(p.getProperties()).doesNotContainKey("ephemeral.secret");
    stop(p).execute();
    assertThat(pipe).doesNotExist();
    assertThat(pipe.getParent()).doesNotExist();
    assertThat(RunningBrokers.running()).isZero();
  }

  @Test
  void optionsReachTheBroker() throws Exception {
    MavenProject p = project("opts");
    StartMojo m = start(p, Map.of());
    m.maxItems = 1;
    m.requireTtl = false;
    m.defaultTtl = 60_000L;
    m.propertyName = "my.pipe";
    m.pipeId = "opts-" + ProcessHandle.current().pid();
    m.execute();
    Path pipe = Path.of(p.getProperties().getProperty("my.pipe"));
    assertThat(pipe.getFileName().toString()).contains(m.pipeId);
    try (BrokerClient c =
        BrokerClient.builder().environment(Map.of()).pipe(pipe).allowNoTtl(true).build()) {
      c.set("a", 1); // no TTL needed
      assertThatThrownBy(() -> c.set("b", 2)).hasMessageContaining("max_items");
    }
    StopMojo s = stop(p);
    s.propertyName = "my.pipe";
    s.execute();
    assertThat(pipe).doesNotExist();
  }

  @Test
  void anyOptionOfTheTableCanBeSetByName() throws Exception {
    MavenProject p = project("table");
    StartMojo m = start(p, Map.of());
    m.options = Map.of("maxValueSize", "100", "requireTtl", "false");
    m.execute();
    try (BrokerClient c =
        BrokerClient.builder().environment(Map.of()).pipe(pipe(p)).allowNoTtl(true).build()) {
      c.set("small", "x");
      assertThatThrownBy(() -> c.set("large", "x".repeat(200))).hasMessageContaining("too_large");
    }
    stop(p).execute();
  }

  @Test
  void optionsAreCheckedByTheirRowOfTheTable() {
    StartMojo unknown = start(project("unknown"), Map.of());
    unknown.options = Map.of("maxWidgets", "3");
    assertThatThrownBy(unknown::execute)
        .isInstanceOf(MojoExecutionException.class)
        .hasMessageContaining("no broker option is called 'maxWidgets'");
    StartMojo small = start(project("small"), Map.of());
    small.options = Map.of("maxOutputBuffer", "100");
    assertThatThrownBy(small::execute)
        .hasMessageContaining("maxOutputBuffer: 100 must be at least 65536 bytes");
    StartMojo negative = start(project("negative"), Map.of());
    negative.maxItems = -1;
    assertThatThrownBy(negative::execute)
        .hasMessageContaining("maxItems: -1 must be 0 (unlimited) or more");
    assertThat(RunningBrokers.running()).isZero();
  }

  @Test
  void explicitSocketPath(@TempDir Path dir) throws Exception {
    Path socket = dir.resolve("b.sock");
    MavenProject p = project("sock");
    StartMojo m = start(p, Map.of());
    m.socket = socket.toFile();
    m.execute();
    assertThat(pipe(p)).isEqualTo(socket);
    try (BrokerClient c = client(socket, null)) {
      assertThat(c.ping()).isPositive();
    }
    stop(p).execute();
    assertThat(socket).doesNotExist();
  }

  @Test
  void secretFromAnEnvironmentVariable() throws Exception {
    MavenProject p = project("secret");
    StartMojo m = start(p, Map.of("MY_SECRET", "s3cr3t"));
    m.secretEnv = "MY_SECRET";
    m.execute();
    assertThat(p.getProperties().getProperty("ephemeral.secret")).isEqualTo("s3cr3t");
    try (BrokerClient signed = client(pipe(p), "s3cr3t");
        BrokerClient unsigned = client(pipe(p), null)) {
      signed.set("k", 1, Duration.ofMinutes(1));
      assertThatThrownBy(() -> unsigned.get("k", Integer.class))
          .isInstanceOf(AuthFailedException.class);
    }
    stop(p).execute();
  }

  @Test
  void missingSecretVariableFailsTheBuild() {
    StartMojo m = start(project("nosecret"), Map.of());
    m.secretEnv = "NOT_THERE";
    assertThatThrownBy(m::execute)
        .isInstanceOf(MojoExecutionException.class)
        .hasMessageContaining("NOT_THERE");
    assertThat(RunningBrokers.running()).isZero();
  }

  @Test
  void reusesABrokerAlreadyOnEphemeralPipeAndStopLeavesItAlone() throws Exception {
    Broker outer = Broker.builder().environment(Map.of()).shutdownHook(false).build();
    external.add(outer);
    Path outerPipe = outer.start();
    MavenProject p = project("reuse");
    start(p, Map.of("EPHEMERAL_PIPE", outerPipe.toString())).execute();
    assertThat(pipe(p)).isEqualTo(outerPipe);
    assertThat(RunningBrokers.running()).isZero();
    stop(p).execute();
    assertThat(outer.isRunning()).isTrue();
    try (BrokerClient c = client(outerPipe, null)) {
      assertThat(c.ping()).isPositive();
    }
  }

  @Test
  void reusesASecuredBrokerToo() throws Exception {
    Broker outer = Broker.builder().environment(Map.of()).secret("x").shutdownHook(false).build();
    external.add(outer);
    Path outerPipe = outer.start();
    MavenProject p = project("reuse-secured");
    start(p, Map.of("EPHEMERAL_PIPE", outerPipe.toString())).execute(); // auth_failed is an answer
    assertThat(pipe(p)).isEqualTo(outerPipe);
    assertThat(RunningBrokers.running()).isZero();
  }

  @Test
  void startsItsOwnWhenEphemeralPipeIsDeadOrReuseIsOff() throws Exception {
    MavenProject dead = project("dead");
    start(dead, Map.of("EPHEMERAL_PIPE", "/nonexistent/dir/broker.sock")).execute();
    assertThat(pipe(dead)).isNotEqualTo(Path.of("/nonexistent/dir/broker.sock")).exists();
    stop(dead).execute();

    Broker outer = Broker.builder().environment(Map.of()).shutdownHook(false).build();
    external.add(outer);
    Path outerPipe = outer.start();
    MavenProject own = project("own");
    StartMojo m = start(own, Map.of("EPHEMERAL_PIPE", outerPipe.toString()));
    m.reuseExisting = false;
    m.execute();
    assertThat(pipe(own)).isNotEqualTo(outerPipe);
    stop(own).execute();
    assertThat(outer.isRunning()).isTrue();
  }

  @Test
  void shutdownHookPathStopsEverythingAndLeavesNothing() throws Exception {
    MavenProject a = project("hook-a");
    MavenProject b = project("hook-b");
    StartMojo sa = start(a, Map.of());
    sa.shared = false;
    sa.execute();
    StartMojo sb = start(b, Map.of());
    sb.shared = false;
    sb.execute();
    assertThat(pipe(a)).isNotEqualTo(pipe(b));
    assertThat(RunningBrokers.running()).isEqualTo(2);
    RunningBrokers.stopAll(); // what the JVM shutdown hook runs
    for (Path pipe : List.of(pipe(a), pipe(b))) {
      assertThat(pipe).doesNotExist();
      assertThat(pipe.getParent()).doesNotExist();
    }
    stop(a).execute(); // a later stop is harmless
  }

  @Test
  void startTwiceInOneProjectIsOneBrokerAndOneStopEndsIt() throws Exception {
    MavenProject p = project("twice");
    start(p, Map.of()).execute();
    Path first = pipe(p);
    start(p, Map.of()).execute();
    assertThat(pipe(p)).isEqualTo(first);
    stop(p).execute();
    assertThat(first).doesNotExist();
  }

  @Test
  void parallelModulesShareOneBrokerUntilTheLastStops() throws Exception {
    int n = 4;
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<MavenProject> projects = new ArrayList<>();
      List<Future<?>> done = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        MavenProject p = project("m" + i);
        projects.add(p);
        done.add(
            pool.submit(
                () -> {
                  go.await();
                  start(p, Map.of()).execute();
                  return null;
                }));
      }
      go.countDown();
      for (Future<?> f : done) {
        f.get();
      }
      Set<Path> pipes = new HashSet<>();
      projects.forEach(p -> pipes.add(pipe(p)));
      assertThat(pipes).hasSize(1);
      Path pipe = pipes.iterator().next();
      for (int i = 0; i < n - 1; i++) {
        stop(projects.get(i)).execute();
        assertThat(pipe).exists();
      }
      stop(projects.get(n - 1)).execute();
      assertThat(pipe).doesNotExist();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void differentOptionsGetDifferentBrokers() throws Exception {
    MavenProject a = project("diff-a");
    MavenProject b = project("diff-b");
    start(a, Map.of()).execute();
    StartMojo sb = start(b, new HashMap<>(Map.of("S", "x")));
    sb.secretEnv = "S";
    sb.execute();
    assertThat(pipe(a)).isNotEqualTo(pipe(b));
    stop(a).execute();
    stop(b).execute();
    assertThat(RunningBrokers.running()).isZero();
  }

  @Test
  void skip() throws Exception {
    MavenProject p = project("skip");
    StartMojo m = start(p, Map.of());
    m.skip = true;
    m.execute();
    assertThat(p.getProperties()).doesNotContainKey("ephemeral.pipe");
    stop(p).execute();
  }
}
