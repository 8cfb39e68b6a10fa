package io.ephemeral.client;

/**
 * Broker error {@code not_found}: the key does not exist (a read that finds an expired key reports
 * {@link ExpiredException} once, then this).
 */
public final class NotFoundException extends BrokerException {
  private static final long serialVersionUID = 1L;

  NotFoundException(String message) {
    super("not_found", message);
  }
}
