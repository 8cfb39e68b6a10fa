package io.ephemeral.client.service;

import com.fasterxml.jackson.databind.JsonNode;

/** The outcome of one call of a batch: either a value or a {@link ServiceException}. */
public final class CallResult {
  private final CallRequest request;
  private final Params value;
  private final ServiceException error;
  private final Values values;

  CallResult(CallRequest request, Params value, ServiceException error, Values values) {
    this.request = request;
    this.value = value;
    this.error = error;
    this.values = values;
  }

  /** The request this is the result of. */
  public CallRequest request() {
    return request;
  }

  /** Whether the call succeeded. */
  public boolean isSuccess() {
    return error == null;
  }

  /** The error, or {@code null} if the call succeeded. */
  public ServiceException error() {
    return error;
  }

  /**
   * The result as a JSON tree.
   *
   * @throws ServiceException the call's error, if it failed
   */
  public JsonNode value() {
    return raw().tree();
  }

  /**
   * The result as it came ({@link Params}).
   *
   * @throws ServiceException the call's error, if it failed
   */
  public Params raw() {
    if (error != null) {
      throw error.rethrown();
    }
    return value;
  }

  /**
   * The result mapped to {@code type} by the client's {@link ValueMapper}.
   *
   * @throws ServiceException the call's error if it failed, or {@code DESERIALIZATION_FAILED} if
   *     the result does not fit the type
   */
  public <T> T value(Class<T> type) {
    return values.incoming(raw(), type);
  }

  @Override
  public String toString() {
    return error == null
        ? "CallResult{" + request.service() + "." + request.method() + " -> " + value + "}"
        : "CallResult{" + request.service() + "." + request.method() + " failed: " + error + "}";
  }
}
