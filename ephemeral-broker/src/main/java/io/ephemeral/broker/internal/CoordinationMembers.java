package io.ephemeral.broker.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.ephemeral.protocol.ErrorCodes;
import java.io.IOException;

/**
 * The members only the coordination actions use ({@code delta}, {@code parties}, {@code permits},
 * {@code per}, {@code token}, {@code bind}), read from the request line again: the request parser
 * stays as it is on the hot path, and these actions are not on it. The line was valid JSON within
 * the limits when it got here. Each check says what is wrong in the error it returns; both stores
 * use them, so they answer a bad request alike.
 */
final class CoordinationMembers {
  /** Largest barrier and rate limiter. */
  static final int MAX_PARTIES = 10_000;

  /** Largest integer JavaScript holds exactly: counters stay within ±this. */
  static final long MAX_SAFE = 9_007_199_254_740_991L;

  /** A claim's time when {@code compute} gives no {@code ttl}. */
  static final long DEFAULT_CLAIM_TTL = 30_000;

  private static final JsonFactory JSON = new JsonFactory();

  /** Sentinels: the member is absent, or present but not a whole number in range. */
  static final long ABSENT = Long.MIN_VALUE;

  static final long INVALID = Long.MIN_VALUE + 1;

  long delta;
  long parties;
  long permits;
  long per;
  long token;
  boolean bind;

  /** The members of {@code r}'s line. */
  static CoordinationMembers of(Request r) {
    CoordinationMembers m = new CoordinationMembers();
    m.delta = m.parties = m.permits = m.per = m.token = ABSENT;
    try (JsonParser p = JSON.createParser(r.line, r.lineOff, r.lineLen)) {
      p.nextToken();
      String name;
      while ((name = p.nextFieldName()) != null) {
        JsonToken v = p.nextToken();
        switch (name) {
          case "delta" -> m.delta = whole(p, v, -MAX_SAFE, MAX_SAFE);
          case "parties" -> m.parties = whole(p, v, 1, MAX_PARTIES);
          case "permits" -> m.permits = whole(p, v, 1, MAX_PARTIES);
          case "per" -> m.per = whole(p, v, 1, RequestParser.MAX_WAIT);
          case "token" -> m.token = whole(p, v, 1, MAX_SAFE);
          case "bind" -> m.bind = v == JsonToken.VALUE_TRUE;
          default -> {}
        }
        p.skipChildren();
      }
    } catch (IOException e) {
      throw new IllegalStateException("a line that parsed once does not parse again", e);
    }
    return m;
  }

  private static long whole(JsonParser p, JsonToken v, long min, long max) throws IOException {
    if (v == JsonToken.VALUE_NULL) {
      return ABSENT;
    }
    if (!v.isNumeric()) {
      return INVALID;
    }
    double d = p.getDoubleValue();
    return d == Math.rint(d) && d >= min && d <= max ? (long) d : INVALID;
  }

  /** An error answer for a bad member: code and message; null when the members are fine. */
  record Problem(String code, String message) {}

  /** incr: delta defaults to 1. */
  Problem checkIncr() {
    if (delta == ABSENT) {
      delta = 1;
    }
    return delta == INVALID
        ? new Problem(ErrorCodes.INVALID_DELTA, "delta must be a whole number within ±" + MAX_SAFE)
        : null;
  }

  /** computed and computeFailed: the token of the claim. */
  Problem checkToken() {
    return token < 1
        ? new Problem(
            ErrorCodes.INVALID_TOKEN, "token must be the claim's token from the compute answer")
        : null;
  }

  /** barrier: parties, and a wait (how long to wait for the others). */
  Problem checkBarrier(Request r) {
    if (parties < 1) {
      return new Problem(
          ErrorCodes.INVALID_PARTIES, "parties must be a whole number from 1 to " + MAX_PARTIES);
    }
    return waitProblem(r, true);
  }

  /** acquire: permits and per; wait optional (absent or 0: answer at once). */
  Problem checkAcquire(Request r) {
    if (permits < 1) {
      return new Problem(
          ErrorCodes.INVALID_PERMITS, "permits must be a whole number from 1 to " + MAX_PARTIES);
    }
    if (per < 1) {
      return new Problem(
          ErrorCodes.INVALID_PER,
          "per must be a whole number of milliseconds from 1 to " + RequestParser.MAX_WAIT);
    }
    return waitProblem(r, false);
  }

  /** compute: wait optional (absent or 0: do not wait for another caller's value). */
  static Problem checkCompute(Request r) {
    return waitProblem(r, false);
  }

  private static Problem waitProblem(Request r, boolean required) {
    if (r.waitState == Request.INVALID || (required && r.waitState == Request.ABSENT)) {
      return new Problem(
          ErrorCodes.INVALID_WAIT,
          (required ? "wait is required: " : "wait must be ")
              + "a whole number of milliseconds from 0 to "
              + RequestParser.MAX_WAIT);
    }
    return null;
  }

  /** Answers the problem, if there is one; true if it did. */
  static boolean refused(Problem problem, Reply reply) {
    if (problem == null) {
      return false;
    }
    reply.error(problem.code(), problem.message());
    return true;
  }
}
