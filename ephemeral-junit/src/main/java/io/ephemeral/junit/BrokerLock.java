package io.ephemeral.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the annotated test (or all tests of the annotated class, with its {@code @BeforeAll} and
 * {@code @AfterAll} methods) while holding the named locks, across every JVM that uses the same
 * broker: Surefire forks, Gradle workers, separate builds under one {@code ephemeral-broker start}.
 * Jupiter's {@code @ResourceLock} only excludes within one JVM.
 *
 * <p>A lock is a lease from a pool of size 1 named {@code lock:<name>}; waiters are served first
 * come, first served. Several locks are taken in name order, so tests that name the same locks
 * cannot deadlock each other. Released after the test or class, also when it fails.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@ExtendWith(EphemeralBrokerExtension.class)
public @interface BrokerLock {
  /** The locks' names. */
  String[] value();

  /**
   * How long to wait for each lock, in seconds; negative means the configuration parameter {@value
   * EphemeralBrokerExtension#WAIT_PARAMETER}, else 60.
   */
  long waitSeconds() default -1;
}
