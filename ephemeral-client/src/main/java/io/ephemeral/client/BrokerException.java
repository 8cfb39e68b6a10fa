package io.ephemeral.client;

/**
 * The broker answered a request with an error ({@code {"ok":false,"error":"<code>"}}).
 *
 * <p>{@link #code()} is the wire code, for example {@code not_found}, {@code max_items} or {@code
 * worker_already_has_lease}. The codes with a dedicated subclass are {@code not_found} ({@link
 * NotFoundException}), {@code expired} ({@link ExpiredException}), {@code auth_failed} ({@link
 * AuthFailedException}) and {@code too_large} ({@link TooLargeException}). Broker errors are final
 * answers: the client never retries them.
 */
public class BrokerException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String code;

  BrokerException(String code, String message) {
    super(message);
    this.code = code;
  }

  /** The error code sent by the broker, e.g. {@code "not_found"}. */
  public String code() {
    return code;
  }
}
