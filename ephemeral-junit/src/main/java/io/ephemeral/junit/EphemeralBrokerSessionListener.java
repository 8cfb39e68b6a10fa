package io.ephemeral.junit;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Attaches each launcher session to the broker of its scope (the build's, shared with every other
 * JVM of the build) on first use by {@link EphemeralBrokerExtension}, and detaches when the session
 * closes; the broker ends by itself a few seconds after its last session detached, leaving no
 * socket behind. Registered through {@code META-INF/services}; a configured broker ({@code
 * ephemeral.pipe} or {@code EPHEMERAL_PIPE}) is used as it is and never stopped.
 */
public final class EphemeralBrokerSessionListener implements LauncherSessionListener {
  private BrokerSession session;

  @Override
  public void launcherSessionOpened(LauncherSession launcherSession) {
    JUnitVersion.require();
    session = BrokerSession.push();
  }

  @Override
  public void launcherSessionClosed(LauncherSession launcherSession) {
    BrokerSession s = session;
    session = null;
    if (s != null) {
      BrokerSession.pop(s);
    }
  }
}
