package io.ephemeral.client.service;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Serves one method of a service. Handlers run on the client's handler executor, many at once (or,
 * registered with {@link ServiceClient#registerNonBlockingMethod}, on the connection's reader
 * thread); each gets the context of its own call.
 *
 * <p>The returned value is mapped to JSON by the client's {@code ObjectMapper} and sent as the
 * response's {@code data} ({@code null} as JSON null). A returned {@link
 * java.util.concurrent.CompletionStage} is awaited without holding a thread, and its value or
 * failure is sent. A thrown (or completed-with) {@link ServiceException} is sent with its code; any
 * other exception with code {@code EXECUTION_FAILED}. The message is the exception's message.
 */
@FunctionalInterface
public interface MethodHandler {
  /**
   * @param params the call's parameters as sent ({@code {}} when the caller sent none)
   * @param context the call's context; make nested calls through it
   * @return the result, or a {@code CompletionStage} of it
   * @throws Exception sent to the caller as an error response
   */
  Object handle(JsonNode params, CallContext context) throws Exception;

  /**
   * A handler whose parameters are mapped to a type first.
   *
   * @param <P> the parameter type
   * @see ServiceClient#registerMethod(String, Class, Typed)
   */
  @FunctionalInterface
  interface Typed<P> {
    /**
     * @param params the parameters mapped to {@code P}
     * @param context the call's context
     * @return the result, or a {@code CompletionStage} of it
     * @throws Exception sent to the caller as an error response
     */
    Object handle(P params, CallContext context) throws Exception;
  }
}
