package io.ephemeral.broker.internal;

import io.ephemeral.broker.ActionRequest;
import io.ephemeral.protocol.JsJson;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The {@link ActionRequest} interceptors and custom actions see: a view of the dispatcher's reused
 * {@link Request}, plus the response members and attributes they add, cleared for each request.
 */
final class RealActionRequest implements ActionRequest {
  private final Request request;
  private final StringBuilder extraMembers = new StringBuilder();
  private final Map<String, Object> attributes = new HashMap<>();

  RealActionRequest(Request request) {
    this.request = request;
  }

  void reset() {
    extraMembers.setLength(0);
    if (!attributes.isEmpty()) {
      attributes.clear();
    }
  }

  @Override
  public String action() {
    return request.command != null ? request.command.name : request.actionText;
  }

  @Override
  public String key() {
    return request.hasKey() ? request.keyString() : null;
  }

  @Override
  public String workerId() {
    return request.workerId;
  }

  @Override
  public String json() {
    return new String(request.line, request.lineOff, request.lineLen, StandardCharsets.UTF_8);
  }

  @Override
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

  @Override
  public void attribute(String name, Object value) {
    attributes.put(name, value);
  }

  @Override
  public Object attribute(String name) {
    return attributes.get(name);
  }

  String extraMembers() {
    return extraMembers.length() == 0 ? null : extraMembers.toString();
  }
}
