package io.ephemeral.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A parameter that receives a slot of the named pool, leased before the test and released after it,
 * also when it fails. The parameter's type is {@code int}/{@code Integer} (the slot: 0, 1, …) or
 * {@link io.ephemeral.client.Lease} (slot and fencing token).
 *
 * <pre>{@code
 * @Test
 * void logsIn(@Leased(pool = "accounts", size = 3) int account) { login("user" + account); }
 * }</pre>
 *
 * <p>All {@code @Leased} parameters of one pool within one test (or, for {@link Scope#PER_CLASS},
 * one class) receive the same lease. The lease is renewed while it is held, so a long test keeps
 * its slot; a JVM that dies loses it after {@link #ttlSeconds()}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
@ExtendWith(EphemeralBrokerExtension.class)
public @interface Leased {
  /** The pool's name (the lease key). */
  String pool();

  /** How many holders the pool has at most; every user of the pool must agree on it. */
  int size();

  /** Whether the lease is held for one test or for the whole test class. */
  Scope scope() default Scope.PER_TEST;

  /**
   * How long to wait for a free slot, in seconds; negative means the configuration parameter
   * {@value EphemeralBrokerExtension#WAIT_PARAMETER}, else 60.
   */
  long waitSeconds() default -1;

  /** The lease's time to live in seconds (renewed every third of it while held). */
  long ttlSeconds() default 60;

  /** How long a lease is held. */
  enum Scope {
    /** From before the test (its {@code @BeforeEach} methods) until after it. */
    PER_TEST,
    /** From first use in the class until after its {@code @AfterAll} methods. */
    PER_CLASS
  }
}
