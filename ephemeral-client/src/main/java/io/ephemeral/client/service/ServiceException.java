package io.ephemeral.client.service;

import io.ephemeral.protocol.GatewayErrorCodes;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * A service call or a connection to the gateway failed. {@link #code()} is the protocol's error
 * code, one of the constants of this class, or a custom code that a remote handler put on its error
 * (for example {@code "E_CUSTOM"}); {@link #getMessage()} is the message as the remote side wrote
 * it.
 *
 * <p>The client throws the subtype that stands for the code ({@link #of(String, String)}), so a
 * caller can catch {@link ServiceNotFoundException}, {@link CallTimeoutException} and the like;
 * each carries its code as well.
 *
 * <p>Handlers may throw this exception to choose the code of their error response: {@code throw new
 * ServiceException("E_OUT_OF_STOCK", "No stock for " + sku)}.
 */
public class ServiceException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Connecting or registering failed, e.g. the service name is already registered. */
  public static final String CONNECTION_FAILED = GatewayErrorCodes.CONNECTION_FAILED;

  /** The connection the call was sent on, or the callee's last connection, closed. */
  public static final String CONNECTION_LOST = GatewayErrorCodes.CONNECTION_LOST;

  /** The client is not connected, or was disconnected while the call was pending. */
  public static final String NOT_CONNECTED = GatewayErrorCodes.NOT_CONNECTED;

  /** No service of that name is registered at the gateway. */
  public static final String SERVICE_NOT_FOUND = GatewayErrorCodes.SERVICE_NOT_FOUND;

  /** The callee has no handler for the method. */
  public static final String METHOD_NOT_FOUND = GatewayErrorCodes.METHOD_NOT_FOUND;

  /** The remote handler failed without a code of its own. */
  public static final String EXECUTION_FAILED = GatewayErrorCodes.EXECUTION_FAILED;

  /** No response within the call's timeout. */
  public static final String TIMEOUT = GatewayErrorCodes.TIMEOUT;

  /** The call chain's deadline passed. */
  public static final String DEADLINE_EXCEEDED = GatewayErrorCodes.DEADLINE_EXCEEDED;

  /** A message was malformed or too large. */
  public static final String INVALID_MESSAGE = GatewayErrorCodes.INVALID_MESSAGE;

  /** Parameters or a result could not be serialized. */
  public static final String SERIALIZATION_FAILED = GatewayErrorCodes.SERIALIZATION_FAILED;

  /** A frame, parameters or a result could not be decoded or mapped to the requested type. */
  public static final String DESERIALIZATION_FAILED = GatewayErrorCodes.DESERIALIZATION_FAILED;

  /** A call arrived with a missing or malformed context. */
  public static final String INVALID_CONTEXT = GatewayErrorCodes.INVALID_CONTEXT;

  /** The call chain is deeper than 100 calls. */
  public static final String MAX_DEPTH_EXCEEDED = GatewayErrorCodes.MAX_DEPTH_EXCEEDED;

  /** Anything else, e.g. the calling thread was interrupted. */
  public static final String INTERNAL_ERROR = GatewayErrorCodes.INTERNAL_ERROR;

  /**
   * The call was cancelled: by its caller (a cancelled future, an interrupted wait), or because the
   * call it was nested in was cancelled.
   */
  public static final String CANCELLED = GatewayErrorCodes.CANCELLED;

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

  /**
   * An exception of the type that stands for {@code code}: {@link ServiceNotFoundException}, {@link
   * MethodNotFoundException}, {@link CallTimeoutException} ({@code TIMEOUT}, {@code
   * DEADLINE_EXCEEDED}), {@link CallCancelledException}, {@link ServiceUnavailableException}
   * ({@code CONNECTION_FAILED}, {@code CONNECTION_LOST}, {@code NOT_CONNECTED}); a plain {@code
   * ServiceException} for every other code, custom codes of remote handlers included.
   */
  public static ServiceException of(String code, String message) {
    return of(code, message, null, null);
  }

  /** {@link #of(String, String)} with a local cause (never sent). */
  public static ServiceException of(String code, String message, Throwable cause) {
    return of(code, message, null, cause);
  }

  static ServiceException of(String code, String message, String remoteStack, Throwable cause) {
    switch (code) {
      case SERVICE_NOT_FOUND:
        return new ServiceNotFoundException(message, remoteStack, cause);
      case METHOD_NOT_FOUND:
        return new MethodNotFoundException(message, remoteStack, cause);
      case TIMEOUT:
      case DEADLINE_EXCEEDED:
        return new CallTimeoutException(code, message, remoteStack, cause);
      case CANCELLED:
        return new CallCancelledException(message, remoteStack, cause);
      case CONNECTION_FAILED:
      case CONNECTION_LOST:
      case NOT_CONNECTED:
        return new ServiceUnavailableException(code, message, remoteStack, cause);
      default:
        return new ServiceException(code, message, remoteStack, cause);
    }
  }

  /**
   * The protocol code that stands for {@code failure}, as a handler's error would be sent: the code
   * of a {@code ServiceException} (also wrapped in a {@code CompletionException}, {@code
   * ExecutionException} or {@code InvocationTargetException}), {@code CANCELLED} for a
   * cancellation, {@code EXECUTION_FAILED} for anything else.
   */
  public static String codeOf(Throwable failure) {
    Throwable t = failure;
    while ((t instanceof CompletionException
            || t instanceof ExecutionException
            || t instanceof java.lang.reflect.InvocationTargetException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof ServiceException) {
      return ((ServiceException) t).code();
    }
    return t instanceof CancellationException ? CANCELLED : EXECUTION_FAILED;
  }

  /** The ServiceException behind a failed future's exception ({@code INTERNAL_ERROR} if none). */
  static ServiceException unwrap(Throwable error) {
    Throwable t = error;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof ServiceException) {
      return (ServiceException) t;
    }
    if (t instanceof CancellationException) {
      return of(ServiceException.CANCELLED, "Call cancelled", t);
    }
    return of(ServiceException.INTERNAL_ERROR, String.valueOf(t.getMessage()), t);
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
    return of(code, getMessage(), remoteStack, this);
  }

  @Override
  public String toString() {
    return getClass().getName() + ": [" + code + "] " + getMessage();
  }
}
