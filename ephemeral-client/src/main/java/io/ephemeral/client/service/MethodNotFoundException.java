package io.ephemeral.client.service;

/**
 * The called service has no handler for the method ({@code METHOD_NOT_FOUND}).
 *
 * @see ServiceException#of(String, String)
 */
public class MethodNotFoundException extends ServiceException {
  private static final long serialVersionUID = 1L;

  MethodNotFoundException(String message, String remoteStack, Throwable cause) {
    super(ServiceException.METHOD_NOT_FOUND, message, remoteStack, cause);
  }
}
