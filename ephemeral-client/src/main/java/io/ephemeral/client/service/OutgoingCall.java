package io.ephemeral.client.service;

import java.time.Duration;
import java.util.Objects;

/**
 * A call as a {@link CallInterceptor} sees it before it is sent: target, params, the context it is
 * nested in, its timeout and deadline, its trace context. Immutable; the {@code with*} methods
 * return changed copies for {@link CallInterceptor.Chain#proceed}.
 */
public final class OutgoingCall {
  private final String service;
  private final String method;
  private final Object params;
  private final CallContext parent;
  private final long timeoutMillis;
  private final long deadline;
  private final String traceparent;
  private final String tracestate;

  OutgoingCall(
      String service,
      String method,
      Object params,
      CallContext parent,
      long timeoutMillis,
      long deadline,
      String traceparent,
      String tracestate) {
    this.service = service;
    this.method = method;
    this.params = params;
    this.parent = parent;
    this.timeoutMillis = timeoutMillis;
    this.deadline = deadline;
    this.traceparent = traceparent;
    this.tracestate = tracestate;
  }

  /** The target service. */
  public String service() {
    return service;
  }

  /** The target method. */
  public String method() {
    return method;
  }

  /**
   * The params as the caller gave them: a Java object to be mapped by the client's {@link
   * ValueMapper}, a {@link Params}, a Jackson 2 tree, or {@code null} (sent as <code>{}</code>).
   */
  public Object params() {
    return params;
  }

  /** The context this call is nested in, or {@code null} for a call that starts a chain. */
  public CallContext parent() {
    return parent;
  }

  /** How long the caller waits: the smaller of the call's timeout and the time to the deadline. */
  public Duration timeout() {
    return Duration.ofMillis(timeoutMillis);
  }

  /** The chain's deadline, epoch milliseconds. */
  public long deadline() {
    return deadline;
  }

  /** The W3C traceparent sent with the call (the parent's, unless changed), or {@code null}. */
  public String traceparent() {
    return traceparent;
  }

  /** The W3C tracestate sent with the call, or {@code null}. */
  public String tracestate() {
    return tracestate;
  }

  /** This call with other params (mapped as {@link #params()} says). */
  public OutgoingCall withParams(Object params) {
    return new OutgoingCall(
        service, method, params, parent, timeoutMillis, deadline, traceparent, tracestate);
  }

  /**
   * This call with another trace context.
   *
   * @throws IllegalArgumentException if traceparent is neither null nor a valid W3C traceparent
   */
  public OutgoingCall withTrace(String traceparent, String tracestate) {
    if (traceparent != null && !TraceContext.isValid(traceparent)) {
      throw new IllegalArgumentException("not a W3C traceparent: " + traceparent);
    }
    return new OutgoingCall(
        service,
        method,
        params,
        parent,
        timeoutMillis,
        deadline,
        traceparent,
        traceparent == null ? null : tracestate);
  }

  long timeoutMillis() {
    return timeoutMillis;
  }

  @Override
  public String toString() {
    return "OutgoingCall{" + service + "." + method + ", timeout=" + timeoutMillis + "ms}";
  }

  static OutgoingCall requireSame(OutgoingCall original, OutgoingCall changed) {
    Objects.requireNonNull(changed, "call");
    if (!original.service.equals(changed.service) || !original.method.equals(changed.method)) {
      throw new IllegalStateException("an interceptor may not change a call's target");
    }
    return changed;
  }
}
