package io.ephemeral.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Registers {@link EphemeralBrokerExtension}: parameters (and fields) of type {@link
 * io.ephemeral.client.BrokerClient} are injected, {@link Leased} parameters get a slot of a pool,
 * and {@link BrokerLock} serialises tests across JVMs.
 *
 * <pre>{@code
 * @EphemeralBroker
 * class CheckoutTest {
 *   @Test
 *   void buys(BrokerClient broker, @Leased(pool = "accounts", size = 3) int account) { ... }
 * }
 * }</pre>
 *
 * <p>The broker is the one named by the system property {@code ephemeral.pipe} or the variable
 * {@code EPHEMERAL_PIPE}; without either, one broker is started in this JVM for the launcher
 * session and stopped when it ends.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.FIELD, ElementType.ANNOTATION_TYPE})
@ExtendWith(EphemeralBrokerExtension.class)
public @interface EphemeralBroker {}
