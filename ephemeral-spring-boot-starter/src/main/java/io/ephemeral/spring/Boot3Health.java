package io.ephemeral.spring;

import java.util.Map;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;

/** The health indicator on Spring Boot 3 ({@code org.springframework.boot.actuate.health}). */
final class Boot3Health extends AbstractHealthIndicator {
  private final ServiceHealth health;

  Boot3Health(ServiceHealth health) {
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
