package io.ephemeral.junit;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder.request;

import org.junit.platform.launcher.core.LauncherConfig;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * A child JVM that runs one test class with the launcher and exits 0 when it passed. With {@code
 * --no-listener} no launcher session listener is loaded, as when the service file is missing.
 */
public final class FixtureRunner {
  private FixtureRunner() {}

  public static void main(String[] args) throws Exception {
    boolean listeners = !args[0].equals("--no-listener");
    String className = args[args.length - 1];
    LauncherConfig config =
        LauncherConfig.builder().enableLauncherSessionListenerAutoRegistration(listeners).build();
    SummaryGeneratingListener summary = new SummaryGeneratingListener();
    LauncherFactory.create(config)
        .execute(request().selectors(selectClass(Class.forName(className))).build(), summary);
    TestExecutionSummary s = summary.getSummary();
    s.printFailuresTo(new java.io.PrintWriter(System.out, true), 20);
    System.out.flush();
    System.exit(s.getTestsSucceededCount() == 1 && s.getTotalFailureCount() == 0 ? 0 : 1);
  }
}
