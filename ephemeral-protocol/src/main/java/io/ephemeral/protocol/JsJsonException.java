package io.ephemeral.protocol;

/**
 * Thrown by {@link JsJson} when its input is not a JSON text that {@code JSON.parse} accepts, or
 * exceeds a configured limit. The message names the problem and where it was found; it does not
 * echo the input document.
 */
public final class JsJsonException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  JsJsonException(String message) {
    super(message);
  }

  JsJsonException(String message, Throwable cause) {
    super(message, cause);
  }
}
