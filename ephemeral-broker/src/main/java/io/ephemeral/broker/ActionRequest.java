package io.ephemeral.broker;

import io.ephemeral.protocol.JsJson;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The request an {@link Interceptor} or a custom {@link ActionHandler} sees. One instance is reused
 * for every request on the broker's thread: read it during the call, never keep it.
 */
public final class ActionRequest {
  private final Request request;
  private final StringBuilder extraMembers = new StringBuilder();
  private final Map<String, Object> attributes = new HashMap<>();

  ActionRequest(Request request) {
    this.request = request;
  }

  void reset() {
    extraMembers.setLength(0);
    if (!attributes.isEmpty()) {
      attributes.clear();
    }
  }

  /** The action, or null when the request had none. */
  public String action() {
    return request.command != null ? request.command.name : request.actionText;
  }

  /** The {@code key} member when it is a string, else null. */
  public String key() {
    return request.hasKey() ? request.keyString() : null;
  }

  /** The {@code workerId} member, or null. */
  public String workerId() {
    return request.workerId;
  }

  /** The whole request line as received (JSON text). */
  public String json() {
    return new String(request.line, request.lineOff, request.lineLen, StandardCharsets.UTF_8);
  }

  /**
   * Adds a member to this request's response (an annotation the client sees), e.g. {@code
   * annotate("region", "\"eu\"")}.
   *
   * @param jsonValue the member's value as JSON text
   */
  public void annotate(String member, String jsonValue) {
    byte[] canonical;
    try {
      // Canonical form: valid, and on one line (a raw newline would end the response early).
      canonical = JsJson.canonicalize(jsonValue.getBytes(StandardCharsets.UTF_8));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "annotation '" + member + "' is not valid JSON: " + e.getMessage(), e);
    }
    extraMembers.append(',');
    JsJson.quote(member, extraMembers);
    extraMembers.append(':').append(new String(canonical, StandardCharsets.UTF_8));
  }

  /** Attaches something for interceptors and handlers further down the chain. */
  public void attribute(String name, Object value) {
    attributes.put(name, value);
  }

  /** What an interceptor or handler before attached under that name, or null. */
  public Object attribute(String name) {
    return attributes.get(name);
  }

  String extraMembers() {
    return extraMembers.length() == 0 ? null : extraMembers.toString();
  }
}
