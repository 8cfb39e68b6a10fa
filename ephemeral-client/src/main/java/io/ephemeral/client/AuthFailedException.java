package io.ephemeral.client;

/**
 * Broker error {@code auth_failed}: the broker rejected the request's HMAC signature. The client's
 * secret differs from the broker's, or the client sent no signature to a broker that requires one.
 */
public final class AuthFailedException extends BrokerException {
  private static final long serialVersionUID = 1L;

  AuthFailedException(String message) {
    super("auth_failed", message);
  }
}
