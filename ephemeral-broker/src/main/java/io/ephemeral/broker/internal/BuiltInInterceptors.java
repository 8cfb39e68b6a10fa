package io.ephemeral.broker.internal;

import io.ephemeral.broker.ActionRequest;
import io.ephemeral.broker.Interceptor;
import io.ephemeral.protocol.ErrorCodes;
import io.ephemeral.protocol.Hmac;
import java.util.ArrayList;
import java.util.List;

/**
 * The broker's own interceptors, first in every chain: authentication, request counting, the action
 * lookup, the command table's central checks and request logging. User interceptors come after
 * them, so they only ever see authenticated, well-formed requests for known actions.
 */
final class BuiltInInterceptors {
  private BuiltInInterceptors() {}

  static List<Interceptor> chain(
      BrokerConfig config, Metrics metrics, BrokerLog log, Request request, LoopState state) {
    List<Interceptor> chain = new ArrayList<>();
    if (config.secret() != null) {
      ReplayCache replay =
          config.replayWindowMillis() > 0
              ? new ReplayCache(
                  config.clock(), config.replayWindowMillis(), config.replayCacheSize(), state)
              : null;
      chain.add(new Auth(Hmac.withSecret(config.secret()), request, replay));
    }
    chain.add(new Count(metrics));
    chain.add(new KnownAction(request));
    chain.add(new Limits(config, request, state));
    if (log.debugEnabled()) {
      chain.add(new Logging(log));
    }
    return chain;
  }

  /** HMAC over the canonical request, as the Node client signs it; then replay protection if on. */
  static final class Auth implements Interceptor {
    private static final Rejection FAILED = new Rejection(ErrorCodes.AUTH_FAILED, null);
    private final Hmac hmac;
    private final Request r;
    private final ReplayCache replay;

    Auth(Hmac hmac, Request r, ReplayCache replay) {
      this.hmac = hmac;
      this.r = r;
      this.replay = replay;
    }

    @Override
    public Rejection before(ActionRequest request) {
      if (replay == null) {
        return hmac.verifyRequest(r.line, r.lineOff, r.lineLen) ? null : FAILED;
      }
      Hmac.Signed signed = hmac.verifySigned(r.line, r.lineOff, r.lineLen);
      return signed == null ? FAILED : replay.check(signed);
    }
  }

  /** requests_total counts what passed authentication, unknown actions included (as in Node). */
  static final class Count implements Interceptor {
    private final Metrics metrics;

    Count(Metrics metrics) {
      this.metrics = metrics;
    }

    @Override
    public Rejection before(ActionRequest request) {
      metrics.request();
      return null;
    }
  }

  /** A missing or unknown action. */
  static final class KnownAction implements Interceptor {
    private static final Rejection UNKNOWN = new Rejection(ErrorCodes.UNKNOWN_ACTION, null);
    private final Request r;

    KnownAction(Request r) {
      this.r = r;
    }

    @Override
    public Rejection before(ActionRequest request) {
      return r.command == null ? UNKNOWN : null;
    }
  }

  /** The command table's central checks: key, worker, ttl and value size. */
  static final class Limits implements Interceptor {
    private final BrokerConfig config;
    private final Request r;
    private final LoopState state;
    private final int maxKeyLength;
    private final Rejection keyTooLong;
    private final Rejection workerIdTooLong;

    Limits(BrokerConfig config, Request r, LoopState state) {
      this.config = config;
      this.r = r;
      this.state = state;
      this.maxKeyLength = config.maxKeyLength();
      this.keyTooLong =
          new Rejection(
              ErrorCodes.TOO_LARGE,
              "the key is longer than maxKeyLength (" + maxKeyLength + " bytes)");
      this.workerIdTooLong =
          new Rejection(
              ErrorCodes.TOO_LARGE,
              "the workerId is longer than maxKeyLength (" + maxKeyLength + " bytes)");
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

    @Override
    public Rejection before(ActionRequest request) {
      Command c = r.command;
      if (c.keyError != null
          && (!r.hasKey()
              || (r.keyLen == 0 && c.keyError.equals(ErrorCodes.KEY_AND_WORKER_REQUIRED)))) {
        return new Rejection(
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
        return new Rejection(c.workerError, null);
      }
      if (r.workerId != null && utf8Length(r.workerId, maxKeyLength) > maxKeyLength) {
        // A worker id is kept as long as its lease: it is held to the key's limit.
        state.limitHit(Limit.MAX_KEY_LENGTH);
        return workerIdTooLong;
      }
      if (c.ttl != Command.Ttl.IGNORED) {
        if (r.ttlState == Request.INVALID) {
          return new Rejection(ErrorCodes.INVALID_TTL, null);
        }
        if (c.ttl == Command.Ttl.REQUIRED_BY_CONFIG
            && r.ttlState == Request.ABSENT
            && config.requireTtl()) {
          return new Rejection(ErrorCodes.TTL_REQUIRED, null);
        }
      }
      if (c.checksValueSize && r.valuePresent && r.valueSize > config.maxValueSize()) {
        // The Node broker's exact answer (no message); the counter names the limit.
        state.limitHit(Limit.MAX_VALUE_SIZE);
        return new Rejection(ErrorCodes.TOO_LARGE, null);
      }
      return null;
    }
  }

  /** One debug line per request with its outcome (installed only at debug level). */
  static final class Logging implements Interceptor {
    private final BrokerLog log;

    Logging(BrokerLog log) {
      this.log = log;
    }

    @Override
    public Rejection before(ActionRequest request) {
      return null;
    }

    @Override
    public void after(ActionRequest request, String errorCode) {
      log.debug(
          "Request",
          "action",
          request.action(),
          "key",
          request.key(),
          "result",
          errorCode == null ? "ok" : errorCode);
    }
  }
}
