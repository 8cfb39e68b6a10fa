package io.ephemeral.broker.internal;

import io.ephemeral.broker.ActionRequest;
import io.ephemeral.broker.Interceptor;
import io.ephemeral.protocol.ErrorCodes;
import io.ephemeral.protocol.Hmac;

/**
 * Runs one request line through parse → the central checks → the user's interceptors → the
 * command's handler, and writes exactly one response line (or hands it to a {@link Deferred}).
 * Nothing a client sends can make it throw: a handler failure is logged and answered with an {@code
 * internal_error} response.
 *
 * <p>Implementation notes. The central checks are straight-line code here, in order, as Redis's
 * {@code processCommand}: authentication (the HMAC over the canonical request, then replay
 * protection), counting, the action's existence, then what its command table entry requires (a key
 * within maxKeyLength, a workerId, a valid or required ttl, a value within maxValueSize). So the
 * user's interceptors only ever see authenticated, well-formed requests for known actions, and no
 * check of the broker's own goes through the (megamorphic) interceptor call. Per-action counters
 * count known actions, those refused by a later check included; the latency of every {@link
 * LatencyStats#SAMPLE_EVERY}th request is timed.
 */
final class Dispatcher {
  private static final byte[] EMPTY_OBJECT = {'{', '}'};
  private static final Interceptor.Rejection AUTH_FAILED =
      new Interceptor.Rejection(ErrorCodes.AUTH_FAILED, null);
  private static final Interceptor.Rejection UNKNOWN_ACTION =
      new Interceptor.Rejection(ErrorCodes.UNKNOWN_ACTION, null);
  private static final Interceptor.Rejection INVALID_TTL =
      new Interceptor.Rejection(ErrorCodes.INVALID_TTL, null);
  private static final Interceptor.Rejection TTL_REQUIRED =
      new Interceptor.Rejection(ErrorCodes.TTL_REQUIRED, null);

  /** The Node broker's exact answer to a value over maxValueSize (no message). */
  private static final Interceptor.Rejection VALUE_TOO_LARGE =
      new Interceptor.Rejection(ErrorCodes.TOO_LARGE, null);

  private final RequestParser parser;
  private final Metrics metrics;
  private final BrokerLog log;
  private final Request request = new Request();
  private final Reply reply;

  /** Where an answer is written while earlier answers of its connection are still awaited. */
  private final ByteOutput staged = new ByteOutput();

  private final RealActionRequest view = new RealActionRequest(request);
  private final boolean recording;
  private final LoopState state;

  /** The secret's HMAC, or null when requests are not signed. */
  private final Hmac hmac;

  /** Nonces seen, when replay protection is on; else null. */
  private final ReplayCache replay;

  private final boolean requireTtl;
  private final int maxKeyLength;
  private final int maxValueSize;
  private final Interceptor.Rejection keyTooLong;
  private final Interceptor.Rejection workerIdTooLong;

  /** The user's interceptors, in the order they were added. */
  private final Interceptor[] interceptors;

  /** One debug line per request that passed the central checks (debug level only). */
  private final boolean logRequests;

  /** Requests logged so far, for their correlation ids; only the loop thread counts. */
  private long loggedRequests;

  /** A dispatcher without connections (benchmarks, tests): no request is answered later. */
  Dispatcher(BrokerConfig config, CommandTable commands, Metrics metrics, BrokerLog log) {
    this(config, commands, metrics, log, new LoopState(), null);
  }

  Dispatcher(
      BrokerConfig config,
      CommandTable commands,
      Metrics metrics,
      BrokerLog log,
      LoopState state,
      ConnectionControl connections) {
    this.reply = new Reply(new Deferred.Context(metrics, connections, log));
    this.parser =
        new RequestParser(
            commands, config.maxNestingDepth(), config.maxNumberLength(), config.maxStringLength());
    this.metrics = metrics;
    this.log = log;
    this.state = state;
    this.recording = config.metrics();
    this.hmac = config.secret() == null ? null : Hmac.withSecret(config.secret());
    this.replay =
        config.secret() != null && config.replayWindowMillis() > 0
            ? new ReplayCache(
                config.clock(), config.replayWindowMillis(), config.replayCacheSize(), state)
            : null;
    this.requireTtl = config.requireTtl();
    this.maxKeyLength = config.maxKeyLength();
    this.maxValueSize = config.maxValueSize();
    this.keyTooLong =
        new Interceptor.Rejection(
            ErrorCodes.TOO_LARGE,
            "the key is longer than maxKeyLength (" + maxKeyLength + " bytes)");
    this.workerIdTooLong =
        new Interceptor.Rejection(
            ErrorCodes.TOO_LARGE,
            "the workerId is longer than maxKeyLength (" + maxKeyLength + " bytes)");
    this.interceptors = config.interceptors().toArray(new Interceptor[0]);
    this.logRequests = log.debugEnabled();
  }

  /** The view of the current request that custom actions read. */
  ActionRequest view() {
    return view;
  }

  /**
   * Handles one complete line (without its newline) and appends the response to the connection's
   * output, or queues it behind the answers the connection is still waiting for.
   */
  void handle(Connection conn, byte[] line, int off, int len) {
    ByteOutput out = conn.answers == null ? conn.out : staged;
    int mark = out.mark();
    try {
      handle(conn, out, line, off, len);
    } catch (Throwable t) {
      // Parsing, an interceptor or the bookkeeping around the command failed (the command's own
      // failures are answered below): the request still gets its one answer.
      if (failed(conn, out, mark, t, null)) {
        metrics.error(ErrorCodes.INTERNAL_ERROR);
      }
    }
    if (out == staged) {
      stage(conn);
    }
  }

  /**
   * Answers a request whose handling failed with {@code internal_error}, in place of whatever it
   * had written, unless it already promised a later answer (parked or deferred); returns whether it
   * answered.
   */
  private boolean failed(Connection conn, ByteOutput out, int mark, Throwable t, String action) {
    log.error("Request failed", t, "action", action == null ? "(unknown)" : action);
    if (reply.deferred() || (conn != null && conn.parked)) {
      return false;
    }
    out.truncate(mark);
    reply.begin(out, request, conn);
    String what = action == null ? "this request" : action;
    reply.error(
        ErrorCodes.INTERNAL_ERROR,
        t instanceof OutOfMemoryError
            ? "the broker ran out of memory while handling "
                + what
                + " (is maxMemory above the heap?)"
            : "the broker could not complete " + what + "; see its log");
    return true;
  }

  /** Queues what was written to {@link #staged} (unless the handler deferred its answer). */
  private void stage(Connection conn) {
    if (!reply.deferred() && conn.answers == null) {
      // The answers it waited behind were all given meanwhile (a store shutting down answers at
      // once).
      conn.out.write(staged.toByteArray());
    } else if (!reply.deferred()) {
      Connection.Answer a = new Connection.Answer();
      a.bytes = staged.toByteArray();
      conn.answers.add(a);
      conn.answerBytes += a.bytes.length;
      conn.unflushed--; // counted again when it reaches the output
    }
    staged.clear();
  }

  private void handle(Connection conn, ByteOutput out, byte[] line, int off, int len) {
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
      Limit limit = parser.limitHit();
      if (limit != null) {
        state.limitHit(limit);
        reply.error(ErrorCodes.INVALID_JSON, parser.limitMessage());
      } else {
        reply.error(ErrorCodes.INVALID_JSON);
      }
      return;
    }
    if (parsed == RequestParser.NOT_AN_OBJECT) {
      // Authentication still comes first: an unsigned line is auth_failed whatever it is.
      Interceptor.Rejection auth = authenticate();
      if (auth != null) {
        reply.error(auth.code(), auth.message());
      } else {
        reply.error(ErrorCodes.INVALID_REQUEST, "a request must be a JSON object");
      }
      return;
    }
    view.reset();
    // Latency is timed for a sample of each action's requests (reading the clock costs more
    // than a whole get); counts and errors are exact.
    Command known = r.command;
    boolean timed = recording && known != null && known.stats.sampleNext();
    long started = timed ? System.nanoTime() : 0;
    if (timed) {
      reply.sampledAt(started);
    }
    // The central checks; a known action is counted from here on, even when a later check
    // refuses it.
    Interceptor.Rejection rejection = authenticate();
    boolean counted = false;
    if (rejection == null) {
      metrics.request(); // requests_total counts what passed authentication, as in Node
      if (r.command == null) {
        rejection = UNKNOWN_ACTION;
      } else {
        counted = true;
        rejection = commandChecks(r, r.command);
      }
    }
    // The user's interceptors in order; the first rejection answers the request. Those whose
    // before step ran get their after step.
    int ran = 0;
    boolean checked = rejection == null;
    while (rejection == null && ran < interceptors.length) {
      rejection = interceptors[ran++].before(view);
    }
    reply.extraMembers(view.extraMembers());
    Command c = r.command;
    if (rejection != null) {
      reply.error(rejection.code(), rejection.message());
    } else {
      int mark = out.mark();
      try {
        c.handler.handle(r, reply);
      } catch (Throwable t) {
        failed(conn, out, mark, t, c.name);
      }
    }
    String error = reply.errorCode();
    // Per-action counters: for known actions, including those refused by a later check; an answer
    // given later is counted when it is given (Deferred).
    if (counted) {
      if (!reply.deferred()) {
        metrics.outcome(c, error, timed && c == known ? started : Deferred.NOT_SAMPLED);
      }
    } else if (error != null) {
      metrics.error(error);
    }
    for (int i = ran - 1; i >= 0; i--) {
      try {
        interceptors[i].after(view, error);
      } catch (Throwable e) {
        log.warn(
            "An interceptor failed after a request",
            "interceptor",
            interceptors[i].getClass().getName(),
            "error",
            String.valueOf(e));
      }
    }
    if (logRequests && checked) {
      // worded as the Node broker's, with a correlation id of the same form (<epoch ms>-<n>)
      log.debug(
          "Processing request",
          "action",
          view.action(),
          "correlationId",
          System.currentTimeMillis() + "-" + ++loggedRequests,
          "key",
          view.key(),
          "result",
          error == null ? "ok" : error);
    }
  }

  /** Authentication: the HMAC of the canonical request, then replay protection if it is on. */
  private Interceptor.Rejection authenticate() {
    if (hmac == null) {
      return null;
    }
    Request r = request;
    if (replay == null) {
      return hmac.verifyRequest(r.line, r.lineOff, r.lineLen) ? null : AUTH_FAILED;
    }
    Hmac.Signed signed = hmac.verifySigned(r.line, r.lineOff, r.lineLen);
    return signed == null ? AUTH_FAILED : replay.check(signed);
  }

  /** The UTF-8 length of {@code s}, counted only as far as it must be to exceed {@code max}. */
  private static int utf8Length(String s, int max) {
    if (s.length() * 3 <= max) {
      return s.length(); // short enough whatever its characters
    }
    int n = 0;
    for (int i = 0; i < s.length() && n <= max; i++) {
      char ch = s.charAt(i);
      n += ch < 0x80 ? 1 : ch < 0x800 ? 2 : Character.isSurrogate(ch) ? 2 : 3;
    }
    return n;
  }

  /** What the command's table entry requires: key, worker, ttl and value size. */
  private Interceptor.Rejection commandChecks(Request r, Command c) {
    if (c.keyError != null
        && (!r.hasKey()
            || (r.keyLen == 0 && c.keyError.equals(ErrorCodes.KEY_AND_WORKER_REQUIRED)))) {
      return new Interceptor.Rejection(
          c.keyError,
          c.keyError.equals(ErrorCodes.INVALID_REQUEST)
              ? c.name + " needs a string \"key\""
              : null);
    }
    if (r.keyLen > maxKeyLength) {
      state.limitHit(Limit.MAX_KEY_LENGTH);
      return keyTooLong;
    }
    if (c.workerError != null && r.workerId == null) {
      return new Interceptor.Rejection(c.workerError, null);
    }
    if (r.workerId != null && utf8Length(r.workerId, maxKeyLength) > maxKeyLength) {
      // A worker id is kept as long as its lease: it is held to the key's limit.
      state.limitHit(Limit.MAX_KEY_LENGTH);
      return workerIdTooLong;
    }
    if (c.ttl != Command.Ttl.IGNORED) {
      if (r.ttlState == Request.INVALID) {
        return INVALID_TTL;
      }
      if (c.ttl == Command.Ttl.REQUIRED_BY_CONFIG && r.ttlState == Request.ABSENT && requireTtl) {
        return TTL_REQUIRED;
      }
    }
    if (c.checksValueSize && r.valuePresent && r.valueSize > maxValueSize) {
      state.limitHit(Limit.MAX_VALUE_SIZE); // the counter names the limit
      return VALUE_TOO_LARGE;
    }
    return null;
  }

  /** The response to a line longer than maxRequestSize (the line itself is discarded unread). */
  void tooLarge(Connection conn) {
    // The Node broker's exact answer (its client matches on it); the counter names the limit.
    state.limitHit(Limit.MAX_REQUEST_SIZE);
    refuse(conn, ErrorCodes.TOO_LARGE, null);
  }

  /** The response to a line refused before it was read whole (too large, no room to hold it). */
  void refuse(Connection conn, String code, String message) {
    request.reset(EMPTY_OBJECT, 0, 2);
    if (conn.answers == null) {
      reply.begin(conn.out, null);
      reply.error(code, message);
    } else {
      reply.begin(staged, null);
      reply.error(code, message);
      stage(conn);
    }
  }
}
