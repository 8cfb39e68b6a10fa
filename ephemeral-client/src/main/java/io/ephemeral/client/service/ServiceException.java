package io.ephemeral.client.service;

import java.util.Objects;

/**
 * A service call or a connection to the gateway failed. {@link #code()} is the protocol's error
 * code, one of the constants of this class, or a custom code that a remote handler put on its error
 * (for example {@code "E_CUSTOM"}); {@link #getMessage()} is the message as the remote side wrote
 * it.
 *
 * <p>Handlers may throw this exception to choose the code of their error response: {@code throw new
 * ServiceException("E_OUT_OF_STOCK", "No stock for " + sku)}.
 */
public class ServiceException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Connecting or registering failed, e.g. the service name is already registered. */
  public static final String CONNECTION_FAILED = "CONNECTION_FAILED";

  /** The connection the call was sent on, or the callee's last connection, closed. */
  public static final String CONNECTION_LOST = "CONNECTION_LOST";

  /** The client is not connected, or was disconnected while the call was pending. */
  public static final String NOT_CONNECTED = "NOT_CONNECTED";

  /** No service of that name is registered at the gateway. */
  public static final String SERVICE_NOT_FOUND = "SERVICE_NOT_FOUND";

  /** The callee has no handler for the method. */
  public static final String METHOD_NOT_FOUND = "METHOD_NOT_FOUND";

  /** The remote handler failed without a code of its own. */
  public static final String EXECUTION_FAILED = "EXECUTION_FAILED";

  /** No response within the call's timeout. */
  public static final String TIMEOUT = "TIMEOUT";

  /** The call chain's deadline passed. */
  public static final String DEADLINE_EXCEEDED = "DEADLINE_EXCEEDED";

  /** A message was malformed or too large. */
  public static final String INVALID_MESSAGE = "INVALID_MESSAGE";

  /** Parameters or a result could not be serialized. */
  public static final String SERIALIZATION_FAILED = "SERIALIZATION_FAILED";

  /** A frame, parameters or a result could not be decoded or mapped to the requested type. */
  public static final String DESERIALIZATION_FAILED = "DESERIALIZATION_FAILED";

  /** A call arrived with a missing or malformed context. */
  public static final String INVALID_CONTEXT = "INVALID_CONTEXT";

  /** The call chain is deeper than 100 calls. */
  public static final String MAX_DEPTH_EXCEEDED = "MAX_DEPTH_EXCEEDED";

  /** Anything else, e.g. the calling thread was interrupted. */
  public static final String INTERNAL_ERROR = "INTERNAL_ERROR";

  private final String code;
  private final String remoteStack;

  /**
   * @param code the error code sent on the wire; a protocol code or a custom one
   * @param message the error message sent on the wire
   */
  public ServiceException(String code, String message) {
    this(code, message, null, null);
  }

  /**
   * @param code the error code sent on the wire; a protocol code or a custom one
   * @param message the error message sent on the wire
   * @param cause the local cause, never sent
   */
  public ServiceException(String code, String message, Throwable cause) {
    this(code, message, null, cause);
  }

  ServiceException(String code, String message, String remoteStack, Throwable cause) {
    super(message, cause);
    this.code = Objects.requireNonNull(code, "code");
    this.remoteStack = remoteStack;
  }

  /** The error code: a protocol code (the constants of this class) or a handler's custom one. */
  public String code() {
    return code;
  }

  /** The stack trace the remote side sent with its error, or {@code null} (the usual case). */
  public String remoteStack() {
    return remoteStack;
  }

  /** The same error with the calling thread's stack, for rethrowing from a blocking call. */
  ServiceException rethrown() {
    ServiceException copy = new ServiceException(code, getMessage(), remoteStack, this);
    return copy;
  }

  @Override
  public String toString() {
    return getClass().getName() + ": [" + code + "] " + getMessage();
  }
}
