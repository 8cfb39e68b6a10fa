package io.ephemeral.bench;

/**
 * A measurement that cannot be trusted (an error answer, an answer out of order, a dead server):
 * stop loudly.
 */
final class BenchException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  BenchException(String message) {
    super(message);
  }

  BenchException(String message, Throwable cause) {
    super(message, cause);
  }
}
