package io.ephemeral.client;

/**
 * Broker error {@code expired}: the key existed but its TTL has passed. The broker deletes it on
 * this read, so the next read reports {@link NotFoundException}.
 */
public final class ExpiredException extends BrokerException {
  private static final long serialVersionUID = 1L;

  ExpiredException(String message) {
    super("expired", message);
  }
}
