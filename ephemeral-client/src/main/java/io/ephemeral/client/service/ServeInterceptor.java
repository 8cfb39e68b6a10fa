package io.ephemeral.client.service;

/**
 * Observes, changes or refuses the calls a {@link ServiceClient} serves, in the manner of OkHttp's
 * {@code Interceptor}: each interceptor gets a {@link Chain} and hands the call on with {@link
 * Chain#proceed}, which runs the next interceptor or, last, the handler. Interceptors run in the
 * order they were added to the builder, on the thread that runs the handler, after the method was
 * found and the context checked.
 *
 * <pre>{@code
 * ServeInterceptor logging = chain -> {
 *   MDC.put("traceId", chain.call().context().traceId());
 *   try {
 *     return chain.proceed(chain.call());
 *   } finally {
 *     MDC.remove("traceId");
 *   }
 * };
 * }</pre>
 *
 * <p>What {@code intercept} returns is the handler's result: a value, or a {@code CompletionStage}
 * of one; what it throws is sent as the error (a {@link ServiceException} with its code).
 */
@FunctionalInterface
public interface ServeInterceptor {
  /** Handles the call: usually {@code chain.proceed(chain.call())}. */
  Object intercept(Chain chain) throws Exception;

  /** The rest of the chain, ending with the handler. */
  interface Chain {
    /** The call as the previous interceptor handed it on. */
    IncomingCall call();

    /** Runs the next interceptor, or the handler; returns its result. */
    Object proceed(IncomingCall call) throws Exception;
  }
}
