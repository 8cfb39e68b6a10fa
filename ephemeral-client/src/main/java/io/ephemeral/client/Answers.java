package io.ephemeral.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JavaType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Reads the broker's answer lines: an error answer becomes the matching {@link BrokerException}, an
 * unreadable line a {@link BrokerConnectionException} ({@code EPROTO}), and a value is mapped with
 * the client's Jackson mapper.
 */
record Answers(ClientMapper mapper, int maxDecompressedBytes, boolean signs) {
  /** Turns an ok answer into what the method returns. */
  @FunctionalInterface
  interface Decoder<T> {
    T decode(Reply reply) throws IOException;
  }

  /**
   * The call's result: {@code decoder} applied to its ok answer.
   *
   * @throws BrokerException for an error answer
   * @throws BrokerConnectionException ({@code EPROTO}) for a line that is not a valid answer
   */
  <T> T decode(Call call, byte[] line, Decoder<T> decoder) {
    Reply reply;
    try {
      reply = Reply.parse(line);
    } catch (IOException e) {
      throw invalidResponse(call, line, e);
    }
    if (!reply.ok) {
      throw brokerError(call, reply);
    }
    try {
      return decoder.decode(reply);
    } catch (IOException e) {
      throw invalidResponse(call, line, e);
    }
  }

  /** The value member mapped to {@code type}, decompressed first if needed; null without one. */
  <T> T readValue(String key, Reply r, JavaType type) {
    if (!r.hasValue()) {
      return null;
    }
    try {
      if (r.compressed) {
        byte[] json = Values.decompress(key, r.valueString, maxDecompressedBytes);
        return mapper.mapper().readValue(json, 0, json.length, type);
      }
      return mapper.mapper().readValue(r.line, r.valueStart, r.valueEnd - r.valueStart, type);
    } catch (IOException e) {
      String detail =
          e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
      throw new ValueDecodingException(
          key,
          "Cannot read the value of key "
              + Text.quote(key)
              + " as "
              + type.toCanonical()
              + ": "
              + detail,
          e);
    }
  }

  /** The value member's JSON text, decompressed first if needed; null without one. */
  String readRaw(String key, Reply r) {
    if (!r.hasValue()) {
      return null;
    }
    if (!r.compressed) {
      return r.valueText();
    }
    byte[] json = Values.decompress(key, r.valueString, maxDecompressedBytes);
    Values.requireJson(key, json);
    return new String(json, StandardCharsets.UTF_8);
  }

  static BrokerConnectionException invalidResponse(Call call, byte[] line, Exception e) {
    String text = new String(line, 0, Math.min(line.length, 200), StandardCharsets.UTF_8);
    return new BrokerConnectionException(
        "EPROTO",
        call.describe()
            + ": invalid response from the broker ("
            + e.getMessage()
            + "): "
            + Text.quote(text)
            + " (EPROTO)",
        false,
        e);
  }

  private BrokerException brokerError(Call call, Reply r) {
    String code = r.error == null || r.error.isEmpty() ? "request_failed" : r.error;
    String detail = r.message != null && !r.message.isEmpty() ? r.message : hint(code);
    String msg = call.describe() + " failed: " + code + (detail == null ? "" : " (" + detail + ")");
    return switch (code) {
      case "not_found" -> new NotFoundException(msg);
      case "expired" -> new ExpiredException(msg);
      case "auth_failed" -> new AuthFailedException(msg);
      case "too_large" -> new TooLargeException(msg);
      default -> new BrokerException(code, msg);
    };
  }

  private String hint(String code) {
    return switch (code) {
      case "not_found" -> "no such key";
      case "expired" -> "the key's TTL has passed";
      case "too_large" -> "the value or the request exceeds the broker's size limit";
      case "max_items" -> "the broker's store is full (maxItems)";
      case "auth_failed" ->
          signs
              ? "the client's secret does not match the broker's"
              : "the broker requires signed requests: set CLIENT_SECRET or EPHEMERAL_SECRET, or "
                  + "the builder's secret, to the broker's secret";
      case "ttl_required" -> "the broker requires a TTL on every set";
      case "invalid_ttl" -> "the TTL must be a positive number of milliseconds";
      case "worker_already_has_lease" ->
          "the worker holds a lease on another key; release it first";
      case "key_and_worker_required", "worker_required" -> "key and worker id are required";
      case "draining" -> "the broker is shutting down";
      case "unknown_action" -> "the broker does not support this action";
      case "invalid_json" -> "the broker could not parse the request";
      case "request_failed" -> "the broker answered ok:false without an error code";
      default -> null;
    };
  }
}
