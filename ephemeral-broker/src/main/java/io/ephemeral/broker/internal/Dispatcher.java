package io.ephemeral.broker.internal;

import io.ephemeral.broker.ActionRequest;
import io.ephemeral.broker.Interceptor;
import io.ephemeral.protocol.ErrorCodes;

/**
 * Runs one request line through parse → the interceptor chain (authentication, counting, action
 * lookup, the command table's central checks, logging, then user interceptors) → handler, and
 * writes exactly one response line. Nothing a client sends can make it throw: a handler failure is
 * logged and answered with an {@code internal_error} response.
 */
final class Dispatcher {
  private static final byte[] EMPTY_OBJECT = {'{', '}'};

  private final CommandTable commands;
  private final RequestParser parser;
  private final Metrics metrics;
  private final BrokerLog log;
  private final Request request = new Request();
  private final Reply reply;

  /** Where an answer is written while earlier answers of its connection are still awaited. */
  private final ByteOutput staged = new ByteOutput();

  private final RealActionRequest view = new RealActionRequest(request);
  private final Interceptor[] chain;
  private final int knownActionIndex;
  private final boolean recording;
  private final LoopState state;

  /** Leading interceptors that are the broker's own and have no after step. */
  private final int directCount;

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
    this.commands = commands;
    this.reply = new Reply(new Deferred.Context(metrics, connections, log));
    this.parser =
        new RequestParser(
            commands, config.maxNestingDepth(), config.maxNumberLength(), config.maxStringLength());
    this.metrics = metrics;
    this.log = log;
    this.state = state;
    java.util.List<Interceptor> all =
        BuiltInInterceptors.chain(config, metrics, log, request, state);
    all.addAll(config.interceptors());
    this.chain = all.toArray(new Interceptor[0]);
    int known = 0;
    for (int i = 0; i < chain.length; i++) {
      if (chain[i] instanceof BuiltInInterceptors.KnownAction) {
        known = i;
      }
    }
    this.knownActionIndex = known;
    this.recording = config.metrics();
    // The leading built-ins (none of which has an after step) are called directly below: one
    // interface call site over several classes costs an itable dispatch per interceptor.
    int builtIns = 0;
    while (builtIns < chain.length && isPlainBuiltIn(chain[builtIns])) {
      builtIns++;
    }
    this.directCount = builtIns;
  }

  private static boolean isPlainBuiltIn(Interceptor i) {
    return i instanceof BuiltInInterceptors.Auth
        || i instanceof BuiltInInterceptors.Count
        || i instanceof BuiltInInterceptors.KnownAction
        || i instanceof BuiltInInterceptors.Limits;
  }

  /** The built-in {@code before} steps of chain[0, directCount), each called at its own site. */
  private Interceptor.Rejection builtIn(Interceptor i) {
    if (i instanceof BuiltInInterceptors.Count) {
      return ((BuiltInInterceptors.Count) i).before(view);
    }
    if (i instanceof BuiltInInterceptors.KnownAction) {
      return ((BuiltInInterceptors.KnownAction) i).before(view);
    }
    if (i instanceof BuiltInInterceptors.Limits) {
      return ((BuiltInInterceptors.Limits) i).before(view);
    }
    return ((BuiltInInterceptors.Auth) i).before(view);
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
      Interceptor.Rejection auth =
          chain[0] instanceof BuiltInInterceptors.Auth ? chain[0].before(view) : null;
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
    // Interceptors in order; the first rejection answers the request.
    int passed = 0;
    Interceptor.Rejection rejection = null;
    for (; passed < directCount; passed++) {
      rejection = builtIn(chain[passed]);
      if (rejection != null) {
        break;
      }
    }
    if (rejection == null) {
      for (; passed < chain.length; passed++) {
        rejection = chain[passed].before(view);
        if (rejection != null) {
          break;
        }
      }
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
    if (c != null && passed > knownActionIndex) {
      if (!reply.deferred()) {
        metrics.outcome(c, error, timed && c == known ? started : Deferred.NOT_SAMPLED);
      }
    } else if (error != null) {
      metrics.error(error);
    }
    for (int i = Math.min(passed, chain.length - 1); i >= directCount; i--) {
      try {
        chain[i].after(view, error);
      } catch (Throwable e) {
        log.warn(
            "An interceptor failed after a request",
            "interceptor",
            chain[i].getClass().getName(),
            "error",
            String.valueOf(e));
      }
    }
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
