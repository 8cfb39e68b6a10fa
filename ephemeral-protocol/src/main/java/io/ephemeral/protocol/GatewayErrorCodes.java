package io.ephemeral.protocol;

/**
 * Error codes of the service gateway, as {@code ipc-bro}'s {@code IPCErrorCode} names them, and
 * three of ours: the {@code error.code} of an ERROR frame or of an error RESPONSE.
 *
 * <p>Upper snake_case, unlike the KV codes of {@link ErrorCodes}. A handler may also put a code of
 * its own on its error (for example {@code E_CUSTOM}); those pass through the gateway unchanged.
 * The strings must not change: the unmodified Node client compares them.
 */
public final class GatewayErrorCodes {

  /** Registering failed, e.g. the service name is already registered. */
  public static final String CONNECTION_FAILED = "CONNECTION_FAILED";

  /** The connection the call was sent on, or the callee's last connection, closed. */
  public static final String CONNECTION_LOST = "CONNECTION_LOST";

  /** The connection has not registered (the gateway), or the client is not connected. */
  public static final String NOT_CONNECTED = "NOT_CONNECTED";

  /** No service of that name is registered at the gateway. */
  public static final String SERVICE_NOT_FOUND = "SERVICE_NOT_FOUND";

  /** The callee has no handler for the method (sent by the callee, never by the gateway). */
  public static final String METHOD_NOT_FOUND = "METHOD_NOT_FOUND";

  /** The remote handler failed without a code of its own. */
  public static final String EXECUTION_FAILED = "EXECUTION_FAILED";

  /** No response within the caller's timeout (decided by the caller, never sent). */
  public static final String TIMEOUT = "TIMEOUT";

  /** The call chain's deadline passed. */
  public static final String DEADLINE_EXCEEDED = "DEADLINE_EXCEEDED";

  /** A frame was malformed, too large, or not allowed on this connection. */
  public static final String INVALID_MESSAGE = "INVALID_MESSAGE";

  /** Parameters or a result could not be serialized (or converted between encodings). */
  public static final String SERIALIZATION_FAILED = "SERIALIZATION_FAILED";

  /** A frame could not be decoded. */
  public static final String DESERIALIZATION_FAILED = "DESERIALIZATION_FAILED";

  /** A CALL arrived with a missing or malformed context. */
  public static final String INVALID_CONTEXT = "INVALID_CONTEXT";

  /** The call chain is deeper than 100 calls. */
  public static final String MAX_DEPTH_EXCEEDED = "MAX_DEPTH_EXCEEDED";

  /** Anything else: the gateway or a client could not do what was asked. */
  public static final String INTERNAL_ERROR = "INTERNAL_ERROR";

  // Ours, additive to ipc-bro's codes.

  /**
   * The broker has a secret and the REGISTER did not prove it (or the connection that called has
   * not registered with it); the connection is closed.
   */
  public static final String AUTH_FAILED = "AUTH_FAILED";

  /** The broker's memory budget ({@code maxMemory}) has no room for the registration or call. */
  public static final String MEMORY_LIMIT = "MEMORY_LIMIT";

  /**
   * The call was cancelled: its caller gave it up (a CANCEL frame reached the callee before or
   * while its handler ran) or the call it was nested in was cancelled. A callee's error RESPONSE
   * carries it.
   */
  public static final String CANCELLED = "CANCELLED";

  private GatewayErrorCodes() {}
}
