package io.ephemeral.client;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

/**
 * The payloads of a {@link BrokerClient}'s requests, with their argument checks: every invalid
 * argument is an {@link IllegalArgumentException} naming it, thrown before anything is sent. Member
 * orders are the Node client's, so a signed request is signed over the same text.
 */
final class Requests {
  /** Largest integer JavaScript represents exactly; the broker does arithmetic on TTLs. */
  static final long MAX_TTL_MILLIS = 9_007_199_254_740_991L;

  /** Largest pool a lease may ask for (the broker's limit). */
  static final int MAX_POOL_SIZE = 1_000_000;

  private final ClientMapper values;
  private final boolean allowNoTtl;
  private final boolean compression;
  private final int compressionThreshold;

  /** Told about a value sent compressed: key, characters before, characters after (debug log). */
  private final Compressed onCompressed;

  @FunctionalInterface
  interface Compressed {
    void sent(String method, String key, int before, int after);
  }

  Requests(
      ClientMapper values,
      boolean allowNoTtl,
      boolean compression,
      int compressionThreshold,
      Compressed onCompressed) {
    this.values = values;
    this.allowNoTtl = allowNoTtl;
    this.compression = compression;
    this.compressionThreshold = compressionThreshold;
    this.onCompressed = onCompressed;
  }

  static byte[] keyed(String action, String key) {
    requireKey(key, action);
    return Payload.action(action).string("key", key).end();
  }

  /** {@code set}: the value's JSON, compressed like the Node client does above the threshold. */
  byte[] set(String key, byte[] json, Duration ttl, String method) {
    long ttlMillis;
    if (ttl == null) {
      if (!allowNoTtl) {
        throw new IllegalArgumentException(
            "TTL is required for set(). Pass a ttl value or set allowNoTtl: true in client "
                + "options.");
      }
      ttlMillis = -1;
    } else {
      ttlMillis = requireTtl(ttl);
    }
    return withValue(
            Payload.action("set", json.length + key.length() * 3), key, json, ttlMillis, method)
        .end();
  }

  /**
   * Appends {@code key}, {@code value}, {@code ttl} (when positive) and the compression members, in
   * the Node client's order; the value is compressed as the Node client does above the threshold.
   */
  Payload withValue(Payload p, String key, byte[] json, long ttlMillis, String method) {
    Values.Encoded v = Values.encode(json, compression, compressionThreshold);
    if (v.compressed()) {
      onCompressed.sent(method, key, v.beforeSize(), v.afterSize());
    }
    return p.string("key", key)
        .json("value", v.json())
        .optionalNumber("ttl", ttlMillis)
        .bool("compressed", v.compressed())
        .number("beforeSize", v.beforeSize())
        .number("afterSize", v.afterSize());
  }

  static byte[] lease(String key, String workerId, long ttlMillis) {
    requireLeaseNames(key, workerId);
    return Payload.action("lease")
        .string("key", key)
        .string("workerId", workerId)
        .optionalNumber("ttl", ttlMillis)
        .end();
  }

  static byte[] poolLease(String key, String workerId, long ttlMs, int poolSize, long waitMs) {
    requireLeaseNames(key, workerId);
    if (poolSize < 1 || poolSize > MAX_POOL_SIZE) {
      throw new IllegalArgumentException(
          "poolSize must be from 1 to " + MAX_POOL_SIZE + ", got " + poolSize);
    }
    return Payload.action("lease")
        .string("key", key)
        .string("workerId", workerId)
        .number("ttl", ttlMs)
        .number("size", poolSize)
        .optionalNumber("wait", waitMs)
        .end();
  }

  static byte[] release(String workerId) {
    if (workerId == null || workerId.isEmpty()) {
      throw new IllegalArgumentException("Worker ID is required for release()");
    }
    return Payload.action("release").string("workerId", workerId).end();
  }

  private static void requireLeaseNames(String key, String workerId) {
    if (key == null || key.isEmpty()) {
      throw new IllegalArgumentException("Key is required for lease()");
    }
    if (workerId == null || workerId.isEmpty()) {
      throw new IllegalArgumentException("Worker ID is required for lease()");
    }
  }

  static void requireKey(String key, String method) {
    if (key == null) {
      throw new IllegalArgumentException("Key is required for " + method + "()");
    }
  }

  /** The TTL in whole milliseconds, 1 to {@link #MAX_TTL_MILLIS}. */
  static long requireTtl(Duration ttl) {
    if (ttl == null) {
      throw new IllegalArgumentException("ttl must not be null");
    }
    long ms;
    try {
      ms = ttl.toMillis();
    } catch (ArithmeticException e) {
      ms = ttl.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    if (ms < 1) {
      throw new IllegalArgumentException("TTL must be at least 1 ms, got " + ttl);
    }
    if (ms > MAX_TTL_MILLIS) {
      throw new IllegalArgumentException(
          "TTL must be at most " + MAX_TTL_MILLIS + " ms, got " + ttl);
    }
    return ms;
  }

  /** A wait in whole milliseconds, zero to a day. */
  static long requireWait(Duration wait) {
    if (wait == null || wait.isNegative()) {
      throw new IllegalArgumentException("wait must be zero or positive, got " + wait);
    }
    if (wait.compareTo(Duration.ofDays(1)) > 0) {
      throw new IllegalArgumentException("wait must be at most a day, got " + wait);
    }
    return wait.toMillis();
  }

  /** The value as JSON, written by the client's mapper. */
  byte[] serialize(String key, Object value) {
    requireKey(key, "set");
    try {
      return values.writer().writeValueAsBytes(value);
    } catch (JsonProcessingException | RuntimeException | StackOverflowError e) {
      String detail =
          e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.toString();
      throw new IllegalArgumentException(
          "Cannot serialise the value for key "
              + Text.quote(key)
              + " to JSON ("
              + (value == null ? "null" : value.getClass().getName())
              + "): "
              + detail
              + ". Hint: check for circular references or values Jackson cannot serialise.",
          e);
    }
  }

  /** JSON text given by the caller, checked to be exactly one JSON value, as UTF-8. */
  static byte[] rawJson(String key, String json) {
    requireKey(key, "setRaw");
    if (json == null) {
      throw new IllegalArgumentException(
          "json must not be null for key " + Text.quote(key) + " (use \"null\" for a JSON null)");
    }
    byte[] bytes;
    try {
      ByteBuffer bb =
          StandardCharsets.UTF_8
              .newEncoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .encode(CharBuffer.wrap(json));
      bytes = Arrays.copyOf(bb.array(), bb.limit());
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(
          "The JSON for key "
              + Text.quote(key)
              + " contains a lone surrogate character; escape it as \\uXXXX",
          e);
    }
    try (JsonParser p = Reply.JSON.createParser(bytes)) {
      if (p.nextToken() == null) {
        throw new IOException("no JSON value");
      }
      p.skipChildren();
      if (p.nextToken() != null) {
        throw new IOException("more than one JSON value");
      }
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "The JSON for key " + Text.quote(key) + " is not one valid JSON value: " + e.getMessage(),
          e);
    }
    return bytes;
  }
}
