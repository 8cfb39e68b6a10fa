package io.ephemeral.client.service;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The member name of a parameter of a {@link ServiceInterface} method with several parameters.
 * Needed unless the interface is compiled with {@code -parameters}; also to use a name that is not
 * a Java identifier.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface Param {
  /** The member's name in the params object. */
  String value();
}
