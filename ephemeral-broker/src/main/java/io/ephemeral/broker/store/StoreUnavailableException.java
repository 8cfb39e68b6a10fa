package io.ephemeral.broker.store;

/**
 * The shared store could not be reached or did not answer in time. The broker answers the request
 * {@code store_unavailable} with this message; for a write the outcome is unknown.
 */
public final class StoreUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StoreUnavailableException(String message) {
    super(message);
  }

  public StoreUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
