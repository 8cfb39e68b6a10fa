package io.ephemeral.client.service;

import java.time.Duration;
import java.util.Objects;

/**
 * One call of a batch ({@link ServiceClient#callAll}) or of {@link ServiceClient#call(CallRequest,
 * Class)}.
 *
 * @param service the target service
 * @param method the target method
 * @param params the parameters, mapped to JSON by the client's {@code ObjectMapper}; {@code null}
 *     is sent as an empty object, as the Node client does
 * @param timeout this call's timeout instead of the client's, or {@code null}
 * @param parent the context this call is nested in, or {@code null} for a new chain
 */
public record CallRequest(
    String service, String method, Object params, Duration timeout, CallContext parent) {

  /**
   * @throws IllegalArgumentException if the timeout is not positive
   */
  public CallRequest {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(method, "method");
    if (timeout != null && (timeout.isZero() || timeout.isNegative())) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
  }

  /** A call with the client's timeout, starting a new chain. */
  public static CallRequest of(String service, String method, Object params) {
    return new CallRequest(service, method, params, null, null);
  }

  /** This call with its own timeout. */
  public CallRequest withTimeout(Duration timeout) {
    return new CallRequest(service, method, params, timeout, parent);
  }

  /** This call nested in the given context. */
  public CallRequest withParent(CallContext parent) {
    return new CallRequest(service, method, params, timeout, parent);
  }
}
