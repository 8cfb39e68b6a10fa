package io.ephemeral.cli;

import io.ephemeral.client.AuthFailedException;
import io.ephemeral.client.BrokerConnectionException;
import io.ephemeral.client.BrokerException;
import io.ephemeral.client.service.ServiceException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.ParameterException;

/**
 * The exit statuses of both launchers: one table, so that a script reads the same number from
 * {@code brokerctl} and {@code ephemeral-broker} for the same kind of failure.
 *
 * <p>{@code ephemeral-broker start -- CMD} exits with the command's own status once the command
 * ran; these statuses apply when it did not get that far.
 */
enum ExitStatus {
  /** The command did what was asked. */
  OK(0, "success"),
  /**
   * The broker answered, and the answer was no: no such key or lease, a limit reached, a value
   * refused; for {@code call}, the gateway or the service answered with an error.
   */
  REFUSED(1, "the broker said no: no such key or lease, refused, a limit reached; a call failed"),
  /** The command line or its input is invalid; nothing was sent. */
  USAGE(2, "invalid command line or input (nothing was sent)"),
  /**
   * There is no broker to work with: no pipe, no socket, nothing answering, no answer in time, or
   * the secret was refused; for {@code ephemeral-broker}, the broker could not start.
   */
  UNAVAILABLE(
      3,
      "no broker to talk to: not running, unreachable, timed out, or the secret was refused"
          + " (ephemeral-broker: the broker could not start)"),
  /** Anything else is a defect of this program. */
  INTERNAL(70, "internal error (a bug: please report it with the message)");

  /** Gateway errors that mean the gateway itself could not be reached or used. */
  private static final Set<String> GATEWAY_UNAVAILABLE =
      Set.of(ServiceException.CONNECTION_FAILED, ServiceException.NOT_CONNECTED);

  final int code;
  final String meaning;

  ExitStatus(int code, String meaning) {
    this.code = code;
    this.meaning = meaning;
  }

  /** The status for a failure of a command. */
  static ExitStatus of(Throwable failure) {
    // Invalid input is an IllegalArgumentException, here as in the client (key, TTL, JSON text).
    if (failure instanceof ParameterException || failure instanceof IllegalArgumentException) {
      return USAGE;
    }
    if (failure instanceof Failure f) {
      return f.status;
    }
    if (failure instanceof BrokerConnectionException || failure instanceof AuthFailedException) {
      return UNAVAILABLE;
    }
    if (failure instanceof ServiceException s) {
      return GATEWAY_UNAVAILABLE.contains(s.code()) ? UNAVAILABLE : REFUSED;
    }
    if (failure instanceof BrokerException) {
      return REFUSED;
    }
    return INTERNAL;
  }

  /**
   * The machine-readable code of a failure for {@code --json} output: the broker's wire code
   * ({@code not_found}, {@code auth_failed}, ...), the connection's ({@code ENOENT}, {@code
   * ECONNREFUSED}, ...), the gateway's ({@code SERVICE_NOT_FOUND}, ...), else {@code usage} or
   * {@code internal}.
   */
  static String errorCode(Throwable failure) {
    if (failure instanceof BrokerException b) {
      return b.code();
    }
    if (failure instanceof BrokerConnectionException c) {
      return c.code();
    }
    if (failure instanceof ServiceException s) {
      return s.code();
    }
    if (failure instanceof Failure f) {
      return f.code;
    }
    return of(failure) == USAGE ? "usage" : "internal";
  }

  /** The exit-status list of a command's help: every status with its meaning. */
  static Map<String, String> helpMap() {
    Map<String, String> list = new LinkedHashMap<>();
    for (ExitStatus status : values()) {
      list.put(Integer.toString(status.code), status.meaning);
    }
    return list;
  }

  /**
   * A failure this program finds itself, before or after asking the broker, with its status and its
   * machine-readable code: no pipe or no socket (3), a release of no lease (1).
   */
  static final class Failure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final transient ExitStatus status;
    final String code;

    Failure(ExitStatus status, String code, String message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }
}
