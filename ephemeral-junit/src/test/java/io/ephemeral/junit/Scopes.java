package io.ephemeral.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder.request;

import io.ephemeral.client.BrokerScope;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/** Scopes of their own for tests, and waiting for a scope's broker to end. */
final class Scopes {
  private Scopes() {}

  /** System properties naming a new scope whose broker ends 300 ms after its last client. */
  static Map<String, String> fresh() {
    Map<String, String> props = new HashMap<>();
    props.put(BrokerScope.SCOPE_PROPERTY, "junit test " + UUID.randomUUID());
    props.put(BrokerScope.LINGER_PROPERTY, "300");
    return props;
  }

  /** Variables naming a new scope (the child JVMs of {@link Children} set the linger). */
  static Map<String, String> freshVariables() {
    return Map.of(BrokerScope.SCOPE_VARIABLE, "junit test " + UUID.randomUUID());
  }

  /**
   * Runs the tests of {@code fixture} in a launcher session of their own, under a fresh scope;
   * {@code whileOpen} checks their summary before the session closes (and with it its broker). Runs
   * only where no broker is configured for the build, which the session would use instead.
   */
  static void runInOwnSession(Class<?> fixture, Consumer<TestExecutionSummary> whileOpen) {
    assumeTrue(
        System.getProperty(BrokerSession.PIPE_PROPERTY) == null
            && System.getenv(BrokerSession.PIPE_VARIABLE) == null,
        "runs only without a configured broker");
    SummaryGeneratingListener summary = new SummaryGeneratingListener();
    Map<String, String> props = fresh();
    props.forEach(System::setProperty);
    try (LauncherSession session = LauncherFactory.openSession()) {
      session.getLauncher().execute(request().selectors(selectClass(fixture)).build(), summary);
      whileOpen.accept(summary.getSummary());
    } finally {
      props.keySet().forEach(System::clearProperty);
    }
  }

  /** Waits up to a minute for the broker process to end. */
  static void assertEnds(long pid) throws Exception {
    assertThat(pid).as("the broker's pid").isPositive();
    var handle = ProcessHandle.of(pid);
    if (handle.isPresent()) {
      handle.get().onExit().get(60, TimeUnit.SECONDS);
    }
  }

  /** The rest of the first output line starting with {@code prefix}. */
  static String printed(String output, String prefix) {
    return output
        .lines()
        .filter(l -> l.startsWith(prefix))
        .findFirst()
        .map(l -> l.substring(prefix.length()))
        .orElseThrow(() -> new AssertionError("no " + prefix + " line in:\n" + output));
  }
}
