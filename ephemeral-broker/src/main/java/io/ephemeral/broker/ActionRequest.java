package io.ephemeral.broker;

/**
 * The request an {@link Interceptor} or a custom {@link ActionHandler} sees. One instance is reused
 * for every request on the broker's thread: read it during the call, never keep it.
 */
public interface ActionRequest {
  /** The action, or null when the request had none. */
  String action();

  /** The {@code key} member when it is a string, else null. */
  String key();

  /** The {@code workerId} member, or null. */
  String workerId();

  /** The whole request line as received (JSON text). */
  String json();

  /**
   * Adds a member to this request's response (an annotation the client sees), e.g. {@code
   * annotate("region", "\"eu\"")}.
   *
   * @param jsonValue the member's value as JSON text
   * @throws IllegalArgumentException if {@code jsonValue} is not valid JSON
   */
  void annotate(String member, String jsonValue);

  /** Attaches something for interceptors and handlers further down the chain. */
  void attribute(String name, Object value);

  /** What an interceptor or handler before attached under that name, or null. */
  Object attribute(String name);
}
