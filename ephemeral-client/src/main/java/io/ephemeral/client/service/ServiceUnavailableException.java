package io.ephemeral.client.service;

/**
 * The gateway could not be used: connecting or registering failed ({@code CONNECTION_FAILED}), the
 * connection or the callee's last connection closed ({@code CONNECTION_LOST}), or the client is not
 * connected ({@code NOT_CONNECTED}).
 *
 * @see ServiceException#of(String, String)
 */
public class ServiceUnavailableException extends ServiceException {
  private static final long serialVersionUID = 1L;

  ServiceUnavailableException(String code, String message, String remoteStack, Throwable cause) {
    super(code, message, remoteStack, cause);
  }
}
