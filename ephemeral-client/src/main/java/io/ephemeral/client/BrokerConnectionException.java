package io.ephemeral.client;

/**
 * The client could not get an answer from the broker: the socket is missing or refuses connections,
 * the connection broke, no reply came within the timeout, or the client was closed.
 *
 * <p>This is not a {@link BrokerException}: the broker did not say no, it could not be asked.
 * {@link #code()} names the cause in the style of the Node client's socket errors:
 *
 * <ul>
 *   <li>{@code ENOENT}: no socket file at the pipe path (broker not started, or stopped);
 *   <li>{@code ECONNREFUSED}: a file exists but nothing accepts connections (stale socket);
 *   <li>{@code EPIPE}, {@code ECONNRESET}: the connection broke while a request was in flight;
 *   <li>{@code EACCES}: no permission to connect to the socket;
 *   <li>{@code ETIMEOUT}: no reply within the client's total timeout;
 *   <li>{@code EPROTO}: the broker sent something that is not a response line;
 *   <li>{@code ECLOSED}: the client was closed before the reply arrived;
 *   <li>{@code EINTR}: the calling thread was interrupted while waiting;
 *   <li>{@code EIO}: any other I/O error.
 * </ul>
 *
 * The first four are retried by the client within its timeout; the exception is thrown only once
 * that time is used up.
 */
public final class BrokerConnectionException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String code;
  private final transient boolean retryable;

  BrokerConnectionException(String code, String message, boolean retryable, Throwable cause) {
    super(message, cause);
    this.code = code;
    this.retryable = retryable;
  }

  /** The failure code, e.g. {@code "ENOENT"}, {@code "ECONNREFUSED"} or {@code "ETIMEOUT"}. */
  public String code() {
    return code;
  }

  boolean retryable() {
    return retryable;
  }
}
