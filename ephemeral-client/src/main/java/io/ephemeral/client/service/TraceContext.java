package io.ephemeral.client.service;

import java.util.concurrent.ThreadLocalRandom;

/**
 * W3C Trace Context ({@code traceparent}) helpers for calls: the format check the client applies to
 * what it receives, and ids for starting a trace without a tracing library. With one (e.g.
 * OpenTelemetry), let a {@link CallInterceptor} put its current span's traceparent on each call
 * instead: {@code chain.proceed(chain.call().withTrace(traceparent, tracestate))}.
 */
public final class TraceContext {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private TraceContext() {}

  /**
   * Whether {@code traceparent} is a valid W3C traceparent: {@code <version>-<32 hex trace id>-<16
   * hex parent id>-<2 hex flags>}, lower case, version not {@code ff}, ids not all zeros. Version
   * 00 must be exactly 55 characters; later versions may append fields.
   */
  public static boolean isValid(String traceparent) {
    if (traceparent == null || traceparent.length() < 55) {
      return false;
    }
    String t = traceparent;
    if (t.charAt(2) != '-' || t.charAt(35) != '-' || t.charAt(52) != '-') {
      return false;
    }
    if (!hex(t, 0, 2) || !hex(t, 3, 35) || !hex(t, 36, 52) || !hex(t, 53, 55)) {
      return false;
    }
    if (t.startsWith("ff") || zeros(t, 3, 35) || zeros(t, 36, 52)) {
      return false;
    }
    return t.startsWith("00") ? t.length() == 55 : t.length() == 55 || t.charAt(55) == '-';
  }

  /** A traceparent that starts a new trace: random trace and parent ids, sampled. */
  public static String newTraceparent() {
    return "00-" + randomHex(16) + "-" + randomHex(8) + "-01";
  }

  /**
   * A traceparent for a call made under {@code traceparent}: the same trace id and flags, a new
   * parent id.
   *
   * @throws IllegalArgumentException if traceparent is not valid
   */
  public static String childOf(String traceparent) {
    if (!isValid(traceparent)) {
      throw new IllegalArgumentException("not a W3C traceparent: " + traceparent);
    }
    return "00-"
        + traceparent.substring(3, 35)
        + "-"
        + randomHex(8)
        + "-"
        + traceparent.substring(53, 55);
  }

  /**
   * An interceptor that gives every call a traceparent: a new trace for a call that has none, else
   * a child of the one it has (same trace id, new parent id). Enough for a trace id to appear in
   * the logs of every service a request reaches; use a tracing library's interceptor instead to
   * record spans.
   */
  public static CallInterceptor propagator() {
    return chain -> {
      OutgoingCall call = chain.call();
      String parent = call.traceparent();
      return chain.proceed(
          call.withTrace(
              parent == null ? newTraceparent() : childOf(parent),
              parent == null ? null : call.tracestate()));
    };
  }

  private static String randomHex(int bytes) {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    char[] out = new char[bytes * 2];
    boolean zero = true;
    for (int i = 0; i < bytes; i++) {
      int b = r.nextInt(256);
      zero &= b == 0;
      out[2 * i] = HEX[b >>> 4];
      out[2 * i + 1] = HEX[b & 15];
    }
    if (zero) {
      out[out.length - 1] = '1'; // all zeros is invalid
    }
    return new String(out);
  }

  private static boolean hex(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
        return false;
      }
    }
    return true;
  }

  private static boolean zeros(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      if (s.charAt(i) != '0') {
        return false;
      }
    }
    return true;
  }
}
