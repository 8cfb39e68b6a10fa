package io.ephemeral.maven;

import io.ephemeral.broker.Broker;
import io.ephemeral.broker.BrokerOption;
import io.ephemeral.client.BrokerClient;
import io.ephemeral.client.BrokerConnectionException;
import io.ephemeral.client.BrokerException;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;

/**
 * Starts a broker inside the Maven JVM and sets the project property {@code ephemeral.pipe} (see
 * {@link #propertyName}) to its socket, for Surefire/Failsafe to hand to the test JVMs:
 *
 * <pre>{@code
 * <environmentVariables><EPHEMERAL_PIPE>${ephemeral.pipe}</EPHEMERAL_PIPE></environmentVariables>
 * }</pre>
 *
 * <p>If {@code EPHEMERAL_PIPE} is already set in Maven's environment and a broker answers there
 * (the build runs under {@code ephemeral-broker start -- mvn ...}), that broker is used and none is
 * started. A broker started here is stopped by {@code ephemeral:stop}, or when the JVM exits
 * (failed or interrupted build), socket and private directory included.
 */
@Mojo(name = "start", defaultPhase = LifecyclePhase.PROCESS_TEST_CLASSES, threadSafe = true)
public class StartMojo extends BrokerMojo {
  static final String PIPE_VARIABLE = "EPHEMERAL_PIPE";

  /**
   * The project property that receives the secret when one is configured (for {@code
   * <EPHEMERAL_SECRET>${ephemeral.secret}</EPHEMERAL_SECRET>}).
   */
  @Parameter(property = "ephemeral.secretPropertyName", defaultValue = "ephemeral.secret")
  String secretPropertyName = "ephemeral.secret";

  /** Use a broker that already answers on {@code EPHEMERAL_PIPE} instead of starting one. */
  @Parameter(property = "ephemeral.reuseExisting", defaultValue = "true")
  boolean reuseExisting = true;

  /**
   * Share one broker between the projects of a multi-module build that start one with the same
   * options while it runs (with {@code -T} they run at the same time).
   */
  @Parameter(property = "ephemeral.shared", defaultValue = "true")
  boolean shared = true;

  /** Most items stored at once (broker default 10,000). */
  @Parameter(property = "ephemeral.maxItems")
  Integer maxItems;

  /** TTL in milliseconds of values set without one (broker default 30 minutes). */
  @Parameter(property = "ephemeral.defaultTtl")
  Long defaultTtl;

  /** Whether {@code set} must carry a TTL (broker default true). */
  @Parameter(property = "ephemeral.requireTtl")
  Boolean requireTtl;

  /** HMAC secret every request must be signed with; use a property, e.g. {@code ${my.secret}}. */
  @Parameter(property = "ephemeral.secret")
  String secret;

  /** Name of an environment variable of the Maven process that holds the HMAC secret. */
  @Parameter(property = "ephemeral.secretEnv")
  String secretEnv;

  /** Pipe id: the socket's file name in its private directory. */
  @Parameter(property = "ephemeral.pipeId")
  String pipeId;

  /** Exact socket path, in an existing directory; overrides {@link #pipeId}. */
  @Parameter(property = "ephemeral.socket")
  File socket;

  /** Broker log level: error, warn, info or debug. */
  @Parameter(property = "ephemeral.logLevel")
  String logLevel;

  /**
   * Any other broker option by its name ({@code io.ephemeral.broker.BrokerOption}), as text: for
   * example {@code <options><maxConnections>100</maxConnections><stallTimeout>5000</stallTimeout>
   * </options>} (durations in milliseconds).
   */
  @Parameter Map<String, String> options = Map.of();

  /** The environment of the Maven process; replaced in tests. */
  Map<String, String> environment = System.getenv();

  @Override
  public void execute() throws MojoExecutionException {
    if (skip) {
      getLog().info("ephemeral:start skipped");
      return;
    }
    String resolvedSecret = resolveSecret();
    if (reuseExisting) {
      String existing = environment.get(PIPE_VARIABLE);
      if (existing != null && !existing.isBlank()) {
        Path pipe = Path.of(existing);
        if (answers(pipe)) {
          getLog().info("Using the broker already running on " + pipe + " (" + PIPE_VARIABLE + ")");
          project.getProperties().setProperty(propertyName, pipe.toString());
          return;
        }
        getLog()
            .warn(
                PIPE_VARIABLE
                    + "="
                    + existing
                    + " does not answer; starting a broker of this build");
      }
    }
    String owner = owner(project);
    RunningBrokers.Acquired acquired;
    try {
      acquired =
          RunningBrokers.acquire(
              owner, options(resolvedSecret), shared, () -> newBroker(resolvedSecret));
    } catch (IOException | RuntimeException e) {
      throw new MojoExecutionException(
          "Could not start the ephemeral broker: " + e.getMessage(), e);
    }
    project.getProperties().setProperty(propertyName, acquired.socket().toString());
    if (resolvedSecret != null) {
      project.getProperties().setProperty(secretPropertyName, resolvedSecret);
    }
    getLog()
        .info(
            (acquired.started()
                    ? "Ephemeral broker started on "
                    : "Using this build's ephemeral broker on ")
                + acquired.socket()
                + " (${"
                + propertyName
                + "})");
  }

  private String resolveSecret() throws MojoExecutionException {
    if (secret != null && !secret.isEmpty()) {
      if (secretEnv != null && !secretEnv.isEmpty()) {
        throw new MojoExecutionException("Set either secret or secretEnv, not both");
      }
      return secret;
    }
    if (secretEnv != null && !secretEnv.isEmpty()) {
      String value = environment.get(secretEnv);
      if (value == null || value.isEmpty()) {
        throw new MojoExecutionException(
            "secretEnv names " + secretEnv + ", which is not set in Maven's environment");
      }
      return value;
    }
    return null;
  }

  private Broker newBroker(String resolvedSecret) {
    Broker.Builder b = Broker.builder().environment(environment).shutdownHook(false);
    givenOptions().forEach((option, text) -> b.option(option, text));
    if (resolvedSecret != null) {
      b.secret(resolvedSecret);
    }
    if (socket != null) {
      b.socketPath(socket.toPath());
    }
    return b.build();
  }

  /**
   * Every broker option this execution sets, by its row of the option table, as text: the named
   * parameters and {@link #options}. The table's rule checks each when the broker is built.
   */
  private Map<BrokerOption, String> givenOptions() {
    Map<BrokerOption, String> given = new TreeMap<>();
    options.forEach((name, text) -> given.put(BrokerOption.named(name), text));
    given(given, BrokerOption.MAX_ITEMS, maxItems);
    given(given, BrokerOption.DEFAULT_TTL, defaultTtl);
    given(given, BrokerOption.REQUIRE_TTL, requireTtl);
    given(given, BrokerOption.PIPE_ID, pipeId);
    given(given, BrokerOption.LOG_LEVEL, logLevel);
    return given;
  }

  private static void given(Map<BrokerOption, String> given, BrokerOption option, Object value) {
    if (value != null && !value.toString().isEmpty()) {
      given.put(option, value.toString());
    }
  }

  /** The options that make two brokers interchangeable (the secret only as a hash). */
  private String options(String resolvedSecret) {
    return givenOptions()
        + ";secret="
        + (resolvedSecret == null ? "-" : Integer.toHexString(resolvedSecret.hashCode()))
        + ";socket="
        + socket;
  }

  /** Whether a broker answers on {@code pipe}: any answer counts, an error (e.g. auth) too. */
  boolean answers(Path pipe) {
    if (!Files.exists(pipe)) {
      return false;
    }
    try (BrokerClient client =
        BrokerClient.builder()
            .environment(environment)
            .pipe(pipe)
            .timeout(Duration.ofSeconds(2))
            .build()) {
      client.ping();
      return true;
    } catch (BrokerConnectionException e) {
      return false;
    } catch (BrokerException e) {
      return true;
    } catch (RuntimeException e) {
      getLog().debug("no broker on " + pipe, e);
      return false;
    }
  }

  static String owner(MavenProject project) {
    return project.getGroupId()
        + ":"
        + project.getArtifactId()
        + ":"
        + project.getVersion()
        + "@"
        + (project.getBasedir() == null ? "" : project.getBasedir().getAbsolutePath());
  }
}
