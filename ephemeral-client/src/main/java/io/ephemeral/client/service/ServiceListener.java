package io.ephemeral.client.service;

/**
 * Receives a {@link ServiceClient}'s events. Every method has a no-op default; override the ones
 * you need. Methods are called on the client's internal threads and must return quickly; an
 * exception thrown by a listener is logged and otherwise ignored.
 */
public interface ServiceListener {
  /**
   * The client became connected: the first connection registered, at connect or after reconnecting.
   */
  default void onConnected() {}

  /** The client lost its last connection, or {@link ServiceClient#disconnect()} was called. */
  default void onDisconnected() {}

  /**
   * The gateway acknowledged a REGISTER (once per pool connection, and again after a reconnect).
   */
  default void onRegistered() {}

  /** A handler of this service finished serving a call (or the call was refused). */
  default void onMethodExecuted(MethodExecuted event) {}

  /** A response to one of this client's calls arrived. */
  default void onResponseReceived(ResponseReceived event) {}

  /** Something went wrong outside of any call, e.g. an undecodable frame or a failed reconnect. */
  default void onError(Throwable error) {}

  /** The gateway sent an ERROR frame. */
  default void onGatewayError(GatewayError event) {}

  /**
   * @param method the method called
   * @param requestId the CALL's id
   * @param success whether a success response was sent
   * @param error the error message sent, or {@code null}
   */
  record MethodExecuted(String method, String requestId, boolean success, String error) {}

  /**
   * @param requestId the CALL's id
   * @param success whether the response was a success
   * @param error the error message, or {@code null}
   */
  record ResponseReceived(String requestId, boolean success, String error) {}

  /**
   * @param message the error's message
   * @param code the error's code, or {@code null}
   * @param requestId the id of the message the gateway refused, or {@code null}
   */
  record GatewayError(String message, String code, String requestId) {}
}
