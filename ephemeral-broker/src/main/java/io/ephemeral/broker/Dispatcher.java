package io.ephemeral.broker;

import io.ephemeral.protocol.ErrorCodes;
import io.ephemeral.protocol.Hmac;

/**
 * Runs one request line through the fixed order parse → auth → lookup → central checks →
 * handler, and writes exactly one response line. Nothing a client sends can make it throw: a
 * handler failure is logged and answered with an {@code internal_error} response.
 */
final class Dispatcher {
  private static final byte[] EMPTY_OBJECT = {'{', '}'};

  private final BrokerConfig config;
  private final CommandTable commands;
  private final RequestParser parser;
  private final Hmac hmac;
  private final Metrics metrics;
  private final BrokerLog log;
  private final Request request = new Request();
  private final Reply reply = new Reply();

  Dispatcher(BrokerConfig config, CommandTable commands, Metrics metrics, BrokerLog log) {
    this.config = config;
    this.commands = commands;
    this.parser = new RequestParser(commands, 64);
    this.hmac = config.secret() == null ? null : Hmac.withSecret(config.secret());
    this.metrics = metrics;
    this.log = log;
  }

  /** Handles one complete line (without its newline) and appends the response to the connection's output. */
  void handle(Connection conn, byte[] line, int off, int len) {
    ByteOutput out = conn.out;
    Request r = request;
    if (len == 0) {
      // The Node broker parses an empty line as {} (no action).
      r.reset(EMPTY_OBJECT, 0, 2);
    } else {
      r.reset(line, off, len);
    }
    reply.begin(out, r, conn);
    int parsed = parser.parse(r);
    if (parsed == RequestParser.INVALID_JSON) {
      r.idOff = -1; // an id from a line we could not parse cannot be trusted
      if (log.debugEnabled()) {
        log.debug("Invalid JSON request", "error", parser.error());
      }
      reply.error(ErrorCodes.INVALID_JSON);
      return;
    }
    if (hmac != null && !hmac.verifyRequest(r.line, r.lineOff, r.lineLen)) {
      reply.error(ErrorCodes.AUTH_FAILED);
      return;
    }
    if (parsed == RequestParser.NOT_AN_OBJECT) {
      reply.error(ErrorCodes.INVALID_REQUEST, "a request must be a JSON object");
      return;
    }
    metrics.request();
    Command c = r.command;
    if (c == null) {
      reply.error(ErrorCodes.UNKNOWN_ACTION);
      return;
    }
    String rejected = check(c, r);
    if (rejected == null) {
      int mark = out.mark();
      try {
        c.handler.handle(r, reply);
      } catch (RuntimeException e) {
        out.truncate(mark);
        reply.begin(out, r, conn);
        log.error("Command failed", e, "action", c.name);
        reply.error(ErrorCodes.INTERNAL_ERROR, "the broker could not complete " + c.name + "; see its log");
      }
    }
    metrics.operation(c.metricIndex, reply.errorCode() == null);
  }

  /** The central checks of the command table; writes the error and returns its code, or null. */
  private String check(Command c, Request r) {
    if (c.keyError != null && (!r.hasKey() || (r.keyLen == 0 && c.keyError.equals(ErrorCodes.KEY_AND_WORKER_REQUIRED)))) {
      return fail(c.keyError, c.keyError.equals(ErrorCodes.INVALID_REQUEST) ? c.name + " needs a string \"key\"" : null);
    }
    if (c.workerError != null && r.workerId == null) {
      return fail(c.workerError, null);
    }
    if (c.ttl != Command.Ttl.IGNORED) {
      if (r.ttlState == Request.INVALID) {
        return fail(ErrorCodes.INVALID_TTL, null);
      }
      if (c.ttl == Command.Ttl.REQUIRED_BY_CONFIG && r.ttlState == Request.ABSENT && config.requireTtl()) {
        return fail(ErrorCodes.TTL_REQUIRED, null);
      }
    }
    if (c.checksValueSize && r.valuePresent && r.valueSize > config.maxValueSize()) {
      return fail(ErrorCodes.TOO_LARGE, null);
    }
    return null;
  }

  private String fail(String code, String message) {
    reply.error(code, message);
    return code;
  }

  /** The response to a line longer than maxRequestSize (the line itself is discarded unread). */
  void tooLarge(ByteOutput out) {
    request.reset(EMPTY_OBJECT, 0, 2);
    reply.begin(out, null);
    reply.error(ErrorCodes.TOO_LARGE);
  }
}
