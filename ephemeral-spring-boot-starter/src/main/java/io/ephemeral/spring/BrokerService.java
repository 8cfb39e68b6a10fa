package io.ephemeral.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.core.annotation.AliasFor;
import org.springframework.stereotype.Component;

/**
 * A bean served on the broker's gateway: every method of the {@code @ServiceInterface} interfaces
 * it implements is registered with the application's {@code ServiceClient} before it connects. Also
 * a {@link Component}, so component scanning finds it.
 *
 * <pre>{@code
 * @BrokerService
 * class UsersService implements Users {
 *   public User get(UserId id) { ... }
 * }
 * }</pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Component
public @interface BrokerService {
  /** The bean's name, as {@link Component#value()}. */
  @AliasFor(annotation = Component.class)
  String value() default "";
}
