package io.ephemeral.client.service;

import java.util.Objects;

/**
 * A call as a {@link ServeInterceptor} sees it before its handler runs: the method, the params as
 * they came, and the call's context (caller, deadline, trace context, cancellation). Immutable.
 */
public final class IncomingCall {
  private final String method;
  private final Params params;
  private final CallContext context;

  IncomingCall(String method, Params params, CallContext context) {
    this.method = method;
    this.params = params;
    this.context = context;
  }

  /** The method called. */
  public String method() {
    return method;
  }

  /** The params as they came. */
  public Params params() {
    return params;
  }

  /** The call's context; {@link CallContext#caller()} is the immediate caller. */
  public CallContext context() {
    return context;
  }

  /** This call with other params for the handler. */
  public IncomingCall withParams(Params params) {
    return new IncomingCall(method, Objects.requireNonNull(params, "params"), context);
  }

  @Override
  public String toString() {
    return "IncomingCall{" + method + " from " + context.caller() + "}";
  }
}
