package io.ephemeral.client.service;

import java.util.concurrent.CompletableFuture;

/**
 * Observes, changes or short-cuts the calls a {@link ServiceClient} makes, in the manner of
 * OkHttp's {@code Interceptor}: each interceptor gets a {@link Chain}, may change the call, and
 * hands it on with {@link Chain#proceed} (or answers itself). Interceptors run in the order they
 * were added to the builder, on the calling thread, for every call: {@code call}, {@code
 * callAsync}, {@code callAll} and typed proxies.
 *
 * <pre>{@code
 * CallInterceptor timing = chain -> {
 *   long start = System.nanoTime();
 *   return chain.proceed(chain.call())
 *       .whenComplete((result, error) -> record(chain.call(), System.nanoTime() - start, error));
 * };
 * }</pre>
 *
 * <p>The future holds the result as it came ({@link Params}); it fails with a {@link
 * ServiceException} when the call fails. An exception thrown by an interceptor fails the call with
 * it ({@code INTERNAL_ERROR} unless it is a {@code ServiceException}).
 */
@FunctionalInterface
public interface CallInterceptor {
  /** Handles the call: usually {@code chain.proceed(chain.call())}, maybe with changes. */
  CompletableFuture<Params> intercept(Chain chain);

  /** The rest of the chain, ending with sending the call. */
  interface Chain {
    /** The call as the previous interceptor handed it on. */
    OutgoingCall call();

    /**
     * Hands {@code call} to the next interceptor, or sends it. May be called more than once (to
     * retry) or not at all (to answer without calling).
     *
     * @throws IllegalStateException if the call's target was changed
     */
    CompletableFuture<Params> proceed(OutgoingCall call);
  }
}
