package io.ephemeral.client;

/**
 * Broker error {@code too_large}: the value or the whole request line exceeds the broker's size
 * limit ({@code maxValueSize} or {@code maxRequestSize}). Compressed values are measured as sent.
 */
public final class TooLargeException extends BrokerException {
  private static final long serialVersionUID = 1L;

  TooLargeException(String message) {
    super("too_large", message);
  }
}
