package io.ephemeral.maven;

import java.nio.file.Path;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;

/**
 * Stops the broker that {@code ephemeral:start} started for this project: closes its connections
 * and removes its socket and private directory. A broker this build did not start (one found on
 * {@code EPHEMERAL_PIPE}) is left running, and so is one still shared with another project of the
 * build until that project stops it too.
 */
@Mojo(name = "stop", defaultPhase = LifecyclePhase.POST_INTEGRATION_TEST, threadSafe = true)
public class StopMojo extends BrokerMojo {
  @Override
  public void execute() {
    if (skip) {
      getLog().info("ephemeral:stop skipped");
      return;
    }
    String value = project.getProperties().getProperty(propertyName);
    if (value == null) {
      getLog().info("No ephemeral broker to stop (${" + propertyName + "} is not set)");
      return;
    }
    Path pipe = Path.of(value);
    if (!RunningBrokers.isOurs(pipe)) {
      getLog().info("Leaving the broker on " + pipe + " running: this build did not start it");
      return;
    }
    if (RunningBrokers.release(StartMojo.owner(project), pipe)) {
      getLog().info("Ephemeral broker on " + pipe + " stopped");
    } else {
      getLog().info("Ephemeral broker on " + pipe + " still used by another project of this build");
    }
  }
}
