package io.ephemeral.client.service;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an interface as a service's contract, both for its callers and for its implementation, with
 * no code generation:
 *
 * <pre>{@code
 * @ServiceInterface("users")
 * public interface Users {
 *   User get(UserId id);                               // params: the UserId as is
 *   List<User> search(String text, int limit);         // params: {"text": ..., "limit": ...}
 *   CompletableFuture<Stats> stats();                  // params: {}; asynchronous
 * }
 *
 * Users users = client.proxy(Users.class);             // calls the service "users"
 * service.registerService(new UsersImpl());           // serves it (the client named "users")
 * }</pre>
 *
 * <p>Each abstract method is a method of the service, of the same name. Its params are: nothing (
 * <code>{}</code>) for no parameter; the one argument as it is for one parameter (so a Node {@code
 * ipc-bro} peer sends and receives the same object a Java record or POJO maps to); an object with a
 * member per parameter for several, named by {@link Param} or, when compiled with {@code
 * -parameters}, by the parameters' names. A method returning {@code CompletableFuture<T>} (or
 * {@code CompletionStage<T>}) is asynchronous; any other blocks until the result comes or the
 * call's deadline passes. Values are mapped by the client's {@link ValueMapper}. Failures are
 * thrown as {@link ServiceException}s of the type that stands for their code ({@link
 * ServiceNotFoundException}, {@link CallTimeoutException}, ...). Overloaded methods are refused: a
 * method's name is its only identity on the wire. Default and static methods are not part of the
 * contract; a proxy runs default methods itself.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface ServiceInterface {
  /** The name of the service (the name its implementation registers under). */
  String value();
}
