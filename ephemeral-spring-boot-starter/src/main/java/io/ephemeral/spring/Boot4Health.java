package io.ephemeral.spring;

import java.util.Map;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/** The health indicator on Spring Boot 4 ({@code org.springframework.boot.health}). */
final class Boot4Health extends AbstractHealthIndicator {
  private final ServiceHealth health;

  Boot4Health(ServiceHealth health) {
    super("The broker's health check failed");
    this.health = health;
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) {
    Map<String, Object> d = health.check();
    boolean up = (Boolean) d.remove("up");
    (up ? builder.up() : builder.down()).withDetails(d);
  }
}
