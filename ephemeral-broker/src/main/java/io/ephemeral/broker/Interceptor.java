package io.ephemeral.broker;

/**
 * Runs around every request, in registration order, after the broker's own interceptors
 * (authentication, the command table's checks, logging). It may inspect the request, reject it with
 * an error, or annotate it. Runs on the broker's thread: return quickly.
 */
public interface Interceptor {
  /**
   * Called before the action runs.
   *
   * @return null to let the request through, or the error to answer it with
   */
  Rejection before(ActionRequest request);

  /** Called after the response was written, with its error code (null if it succeeded). */
  default void after(ActionRequest request, String errorCode) {}

  /**
   * An error response: {@code {"ok":false,"error":code,"message":message}}.
   *
   * @param code the wire error code, e.g. {@code "forbidden"}
   * @param message a clear explanation, or null
   */
  record Rejection(String code, String message) {
    /**
     * @throws NullPointerException if code is null
     */
    public Rejection {
      java.util.Objects.requireNonNull(code, "code");
    }
  }
}
