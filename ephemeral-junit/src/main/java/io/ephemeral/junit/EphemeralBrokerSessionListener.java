package io.ephemeral.junit;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Gives each launcher session its own broker: started on first use by {@link
 * EphemeralBrokerExtension}, stopped when the session closes, leaving no socket or directory
 * behind. Registered through {@code META-INF/services}; a configured broker ({@code ephemeral.pipe}
 * or {@code EPHEMERAL_PIPE}) is used as it is and never stopped.
 */
public final class EphemeralBrokerSessionListener implements LauncherSessionListener {
  private BrokerSession session;

  @Override
  public void launcherSessionOpened(LauncherSession launcherSession) {
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
