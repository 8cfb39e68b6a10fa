package io.ephemeral.bench;

import io.ephemeral.client.service.Serializer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One cell of the gateway benchmark: a payload size, the callers' and callee's encoding, how many
 * calls are kept in flight, and the caller's API. Written {@code PAYLOAD:ENCODING:INFLIGHT[:API]},
 * e.g. {@code small:json:1} or {@code 10k:msgpack:64:proxy}; the API is {@code call} (the default:
 * {@code ServiceClient.call} with a JsonNode) or {@code proxy} (a typed {@code @ServiceInterface}
 * proxy with a record).
 */
final class GatewayCell {
  static final List<String> DEFAULTS =
      List.of(
          "small:json:1",
          "small:json:64",
          "small:msgpack:1",
          "small:msgpack:64",
          "10k:json:1",
          "10k:json:64",
          "10k:msgpack:1",
          "10k:msgpack:64");
  static final int MAX_IN_FLIGHT = 4096;
  static final int MAX_PAYLOAD = 8 << 20;

  /**
   * Bytes of the string carried in the params; 0 for the small payload (a number and a short word).
   */
  final int payloadBytes;

  final Serializer serializer;
  final int inFlight;

  /** Whether the caller uses a typed proxy instead of {@code call}. */
  final boolean proxy;

  GatewayCell(int payloadBytes, Serializer serializer, int inFlight) {
    this(payloadBytes, serializer, inFlight, false);
  }

  GatewayCell(int payloadBytes, Serializer serializer, int inFlight, boolean proxy) {
    if (payloadBytes < 0 || payloadBytes > MAX_PAYLOAD) {
      throw new IllegalArgumentException(
          "a payload must be 0.." + MAX_PAYLOAD + " bytes, got " + payloadBytes);
    }
    if (inFlight < 1 || inFlight > MAX_IN_FLIGHT) {
      throw new IllegalArgumentException(
          "calls in flight must be 1.." + MAX_IN_FLIGHT + ", got " + inFlight);
    }
    this.payloadBytes = payloadBytes;
    this.serializer = serializer;
    this.inFlight = inFlight;
    this.proxy = proxy;
  }

  static List<GatewayCell> parseAll(String csv) {
    List<GatewayCell> cells = new ArrayList<>();
    for (String spec : Args.list(csv)) {
      cells.add(parse(spec));
    }
    if (cells.isEmpty()) {
      throw new IllegalArgumentException("--cells names no cell");
    }
    return cells;
  }

  /**
   * {@code small:json:1}, {@code 10k:msgpack:64}, {@code 512:json:8}, {@code small:json:1:proxy}.
   */
  static GatewayCell parse(String spec) {
    String[] p = spec.trim().toLowerCase(Locale.ROOT).split(":");
    if (p.length != 3 && p.length != 4) {
      throw new IllegalArgumentException(
          "a gateway cell is PAYLOAD:ENCODING:INFLIGHT[:call|proxy], e.g. small:json:1 or"
              + " 10k:msgpack:64:proxy; got '"
              + spec
              + "'");
    }
    return new GatewayCell(
        parsePayload(p[0]),
        parseSerializer(p[1]),
        parseInFlight(p[2], spec),
        p.length == 4 && parseApi(p[3]));
  }

  private static boolean parseApi(String s) {
    switch (s.trim()) {
      case "call":
        return false;
      case "proxy":
        return true;
      default:
        throw new IllegalArgumentException("unknown caller API '" + s + "' (call, proxy)");
    }
  }

  /** {@code call} or {@code proxy}. */
  String apiLabel() {
    return proxy ? "proxy" : "call";
  }

  /** {@code small} (0), {@code 10k} (10,240), {@code 1m} (1,048,576) or a byte count. */
  static int parsePayload(String s) {
    String t = s.trim().toLowerCase(Locale.ROOT);
    if (t.equals("small")) {
      return 0;
    }
    long unit = 1;
    if (t.endsWith("k")) {
      unit = 1024;
      t = t.substring(0, t.length() - 1);
    } else if (t.endsWith("m")) {
      unit = 1024 * 1024;
      t = t.substring(0, t.length() - 1);
    }
    long n;
    try {
      n = Long.parseLong(t) * unit;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "a payload is 'small', a byte count, or a size such as 10k; got '" + s + "'");
    }
    if (n < 1 || n > MAX_PAYLOAD) {
      throw new IllegalArgumentException(
          "a payload must be 1.." + MAX_PAYLOAD + " bytes (or 'small'), got '" + s + "'");
    }
    return (int) n;
  }

  static Serializer parseSerializer(String s) {
    switch (s.trim().toLowerCase(Locale.ROOT)) {
      case "json":
        return Serializer.JSON;
      case "msgpack":
        return Serializer.MSGPACK;
      default:
        throw new IllegalArgumentException("unknown encoding '" + s + "' (json, msgpack)");
    }
  }

  private static int parseInFlight(String s, String spec) {
    try {
      return Integer.parseInt(s.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "calls in flight must be a whole number in '" + spec + "'");
    }
  }

  /** {@code small}, {@code 10 KiB}, {@code 512 B}. */
  String payloadLabel() {
    if (payloadBytes == 0) {
      return "small";
    }
    if (payloadBytes % (1024 * 1024) == 0) {
      return payloadBytes / (1024 * 1024) + " MiB";
    }
    if (payloadBytes % 1024 == 0) {
      return payloadBytes / 1024 + " KiB";
    }
    return payloadBytes + " B";
  }

  String encodingLabel() {
    return serializer == Serializer.JSON ? "JSON" : "MessagePack";
  }

  String inFlightLabel() {
    return inFlight == 1 ? "1 (sequential)" : Integer.toString(inFlight);
  }

  @Override
  public String toString() {
    return payloadLabel()
        + " "
        + encodingLabel()
        + " "
        + (inFlight == 1 ? "sequential" : inFlight + " in flight")
        + (proxy ? " proxy" : "");
  }
}
