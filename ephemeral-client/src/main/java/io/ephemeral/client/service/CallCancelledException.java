package io.ephemeral.client.service;

/**
 * The call was cancelled ({@code CANCELLED}): its future was cancelled, its caller's wait was
 * interrupted, or the call it was nested in was cancelled.
 *
 * @see ServiceException#of(String, String)
 */
public class CallCancelledException extends ServiceException {
  private static final long serialVersionUID = 1L;

  CallCancelledException(String message, String remoteStack, Throwable cause) {
    super(ServiceException.CANCELLED, message, remoteStack, cause);
  }
}
