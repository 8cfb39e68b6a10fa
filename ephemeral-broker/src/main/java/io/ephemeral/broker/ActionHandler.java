package io.ephemeral.broker;

/**
 * A custom action ({@code Broker.Builder.action(name, handler)} or {@link Broker#register}).
 * Requests for it pass the same checks as the built-in actions (authentication, size limits,
 * interceptors). Runs on the broker's thread: return quickly.
 */
@FunctionalInterface
public interface ActionHandler {
  /**
   * @return the members to add to {@code {"ok":true}} as a JSON object text (e.g. {@code
   *     {"answer":42}}), or null for none
   * @throws ActionException to answer with an error code
   */
  String handle(ActionRequest request);

  /** Thrown by a handler to answer {@code {"ok":false,"error":code,"message":message}}. */
  final class ActionException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String code;

    /**
     * @param code the wire error code, lower snake_case like the built-in ones
     * @param message a clear explanation for the client
     */
    public ActionException(String code, String message) {
      super(message);
      this.code = java.util.Objects.requireNonNull(code, "code");
    }

    /** The wire error code. */
    public String code() {
      return code;
    }
  }
}
