package io.ephemeral.client.service;

/**
 * Serves one method of a service with its params as they came off the wire ({@link Params}: raw
 * JSON or MessagePack bytes, mapped to a type on demand), with no JSON library in the signature.
 * Everything else is as {@link MethodHandler}: where handlers run, how results and errors are sent.
 *
 * @see ServiceClient#serve(String, CallHandler)
 */
@FunctionalInterface
public interface CallHandler {
  /**
   * @param params the call's parameters as sent ({@code {}} when the caller sent none)
   * @param context the call's context; make nested calls through it
   * @return the result (mapped by the client's {@link ValueMapper}; a {@link Params} is sent as it
   *     is), or a {@code CompletionStage} of it
   * @throws Exception sent to the caller as an error response
   */
  Object handle(Params params, CallContext context) throws Exception;
}
