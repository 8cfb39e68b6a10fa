package io.ephemeral.broker.store;

/**
 * The shared store could not be reached or did not answer in time. The broker answers the request
 * {@code store_unavailable} with this message; for a write the outcome is unknown.
 */
public final class StoreUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** A failure explained by {@code message} (it reaches the client). */
  public StoreUnavailableException(String message) {
    super(message);
  }

  /**
   * A failure explained by {@code message}, caused by {@code cause} (e.g. the Redis client's
   * exception).
   */
  public StoreUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
