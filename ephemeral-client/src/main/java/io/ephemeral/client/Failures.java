package io.ephemeral.client;

import java.io.IOException;
import java.net.ConnectException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Turns socket errors into {@link BrokerConnectionException}s that say what to do. {@code
 * pipeLabel} is {@code EPHEMERAL_PIPE=<path>} or {@code pipe=<path>}, depending on where the path
 * came from.
 */
record Failures(Path pipe, String pipeLabel) {
  BrokerConnectionException connectFailed(Exception e) {
    String msg = String.valueOf(e.getMessage());
    String lower = msg.toLowerCase(Locale.ROOT);
    if (lower.contains("no such file")) {
      return new BrokerConnectionException(
          "ENOENT",
          "No broker socket at " + pipe + " (ENOENT): is the broker running? " + pipeLabel,
          true,
          e);
    }
    if (e instanceof ConnectException || lower.contains("connection refused")) {
      return new BrokerConnectionException(
          "ECONNREFUSED",
          "Nothing accepts connections at "
              + pipe
              + " (ECONNREFUSED): the broker is not running, or this is a stale socket file left "
              + "by a broker that died. Start the broker, or check "
              + pipeLabel,
          true,
          e);
    }
    if (lower.contains("permission denied")) {
      return new BrokerConnectionException(
          "EACCES",
          "Permission denied connecting to "
              + pipe
              + " (EACCES): the socket belongs to another user. "
              + pipeLabel,
          false,
          e);
    }
    if (lower.contains("temporarily unavailable")) {
      return new BrokerConnectionException(
          "EAGAIN",
          "The broker at " + pipe + " is not accepting connections fast enough (EAGAIN)",
          true,
          e);
    }
    return new BrokerConnectionException(
        "EIO", "Cannot connect to the broker at " + pipe + ": " + msg + ". " + pipeLabel, false, e);
  }

  /** An I/O error on an established connection; the request may be retried. */
  static BrokerConnectionException ioFailed(IOException e, String defaultCode, String verb) {
    String lower = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
    String code =
        lower.contains("broken pipe")
            ? "EPIPE"
            : lower.contains("connection reset") ? "ECONNRESET" : defaultCode;
    return broken(code, "Connection lost while " + verb + " the broker: " + e.getMessage(), e);
  }

  static BrokerConnectionException broken(String code, String message, Throwable cause) {
    return broken(code, message, cause, true);
  }

  static BrokerConnectionException broken(
      String code, String message, Throwable cause, boolean retryable) {
    return new BrokerConnectionException(code, message + " (" + code + ")", retryable, cause);
  }
}
