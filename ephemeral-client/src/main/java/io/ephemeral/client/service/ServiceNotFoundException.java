package io.ephemeral.client.service;

/**
 * No service of the called name is registered at the gateway ({@code SERVICE_NOT_FOUND}).
 *
 * @see ServiceException#of(String, String)
 */
public class ServiceNotFoundException extends ServiceException {
  private static final long serialVersionUID = 1L;

  ServiceNotFoundException(String message, String remoteStack, Throwable cause) {
    super(ServiceException.SERVICE_NOT_FOUND, message, remoteStack, cause);
  }
}
