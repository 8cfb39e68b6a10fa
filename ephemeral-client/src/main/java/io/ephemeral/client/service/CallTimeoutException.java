package io.ephemeral.client.service;

/**
 * The call ran out of time: no answer within its timeout ({@code TIMEOUT}) or its chain's deadline
 * passed ({@code DEADLINE_EXCEEDED}).
 *
 * @see ServiceException#of(String, String)
 */
public class CallTimeoutException extends ServiceException {
  private static final long serialVersionUID = 1L;

  CallTimeoutException(String code, String message, String remoteStack, Throwable cause) {
    super(code, message, remoteStack, cause);
  }
}
