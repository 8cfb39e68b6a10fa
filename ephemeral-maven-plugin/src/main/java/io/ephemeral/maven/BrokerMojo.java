package io.ephemeral.maven;

import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;

/** The parameters both goals have: {@code ephemeral:start} and {@code ephemeral:stop}. */
abstract class BrokerMojo extends AbstractMojo {
  @Parameter(defaultValue = "${project}", readonly = true, required = true)
  MavenProject project;

  /** Skip this goal. */
  @Parameter(property = "ephemeral.skip", defaultValue = "false")
  boolean skip;

  /**
   * The project property that holds the broker's socket path: set by {@code ephemeral:start}, read
   * by {@code ephemeral:stop}.
   */
  @Parameter(property = "ephemeral.propertyName", defaultValue = "ephemeral.pipe")
  String propertyName = "ephemeral.pipe";
}
