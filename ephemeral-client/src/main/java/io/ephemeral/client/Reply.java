package io.ephemeral.client;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * One parsed response line.
 *
 * <p>{@code ok}, {@code error}, {@code message} and {@code compressed} are read directly; the
 * {@code value} member is not materialised but located: its raw bytes stay in {@link #line} at
 * {@code [valueStart, valueEnd)}, so a typed read maps them straight from the wire bytes and {@code
 * getRaw} returns them as the broker wrote them. Every other member is kept as a tree.
 */
final class Reply {
  /** Parsers for responses; limits raised so a large stored value still parses. */
  static final JsonFactory JSON =
      JsonFactory.builder()
          .streamReadConstraints(
              StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
          .build();

  /**
   * Trees of objects and arrays in responses. Made on first use: the first ObjectMapper of a JVM
   * costs tens of milliseconds (its date formats load the locale data), which a short-lived process
   * such as brokerctl ping, whose replies hold only scalars, never needs to pay.
   */
  private static final class Trees {
    static final ObjectMapper MAPPER = new ObjectMapper(JSON.copy());
  }

  final byte[] line;
  final boolean ok;
  final String error;
  final String message;
  final boolean compressed;
  final int valueStart;
  final int valueEnd;

  /** The value's text when it is a JSON string (compressed values are base64 strings). */
  final String valueString;

  private final Map<String, JsonNode> members;

  private Reply(
      byte[] line,
      boolean ok,
      String error,
      String message,
      boolean compressed,
      int valueStart,
      int valueEnd,
      String valueString,
      Map<String, JsonNode> members) {
    this.line = line;
    this.ok = ok;
    this.error = error;
    this.message = message;
    this.compressed = compressed;
    this.valueStart = valueStart;
    this.valueEnd = valueEnd;
    this.valueString = valueString;
    this.members = members;
  }

  /**
   * Parses a response line (without its newline).
   *
   * @throws IOException if the line is not one JSON object
   */
  static Reply parse(byte[] line) throws IOException {
    boolean ok = false;
    boolean compressed = false;
    String error = null;
    String message = null;
    int valueStart = -1;
    int valueEnd = -1;
    String valueString = null;
    Map<String, JsonNode> members = new HashMap<>();
    try (JsonParser p = JSON.createParser(line)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("not a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        switch (name) {
          case "value" -> {
            valueStart = (int) p.currentTokenLocation().getByteOffset();
            valueString = null;
            if (t == JsonToken.VALUE_STRING) {
              valueString = p.getText();
            } else if (t.isStructStart()) {
              p.skipChildren();
            }
            valueEnd = (int) p.currentLocation().getByteOffset();
          }
          case "ok" -> ok = t == JsonToken.VALUE_TRUE;
          case "compressed" -> compressed = truthy(p, t);
          case "error" -> error = t == JsonToken.VALUE_STRING ? p.getText() : skip(p, t);
          case "message" -> message = t == JsonToken.VALUE_STRING ? p.getText() : skip(p, t);
          default -> members.put(name, tree(p, t));
        }
      }
      if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
        throw new IOException("unexpected content after the response object");
      }
    }
    if (valueStart < 0 || valueEnd <= valueStart || valueEnd > line.length) {
      valueStart = -1;
      valueEnd = -1;
    }
    return new Reply(
        line, ok, error, message, compressed, valueStart, valueEnd, valueString, members);
  }

  boolean hasValue() {
    return valueStart >= 0;
  }

  /** The value member's raw JSON text. */
  String valueText() {
    return new String(line, valueStart, valueEnd - valueStart, StandardCharsets.UTF_8);
  }

  /** Another top-level member, or a missing node. */
  JsonNode member(String name) {
    JsonNode n = members.get(name);
    return n == null ? MissingNode.getInstance() : n;
  }

  /** The value member parsed as a tree (for small replies such as lease). */
  JsonNode valueTree() throws IOException {
    return hasValue() ? Trees.MAPPER.readTree(line, valueStart, valueEnd - valueStart) : null;
  }

  /**
   * The value at the parser's current token as the node {@code ObjectMapper.readTree} would give:
   * scalars directly, containers through {@link Trees}.
   */
  private static JsonNode tree(JsonParser p, JsonToken t) throws IOException {
    JsonNodeFactory nodes = JsonNodeFactory.instance;
    return switch (t) {
      case VALUE_STRING -> nodes.textNode(p.getText());
      case VALUE_NUMBER_INT ->
          switch (p.getNumberType()) {
            case INT -> nodes.numberNode(p.getIntValue());
            case LONG -> nodes.numberNode(p.getLongValue());
            default -> nodes.numberNode(p.getBigIntegerValue());
          };
      case VALUE_NUMBER_FLOAT -> nodes.numberNode(p.getDoubleValue());
      case VALUE_TRUE -> nodes.booleanNode(true);
      case VALUE_FALSE -> nodes.booleanNode(false);
      case VALUE_NULL -> nodes.nullNode();
      default -> Trees.MAPPER.readTree(p);
    };
  }

  private static boolean truthy(JsonParser p, JsonToken t) throws IOException {
    return switch (t) {
      case VALUE_TRUE -> true;
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> p.getDoubleValue() != 0;
      case VALUE_STRING -> !p.getText().isEmpty();
      case START_OBJECT, START_ARRAY -> {
        p.skipChildren();
        yield true;
      }
      default -> false;
    };
  }

  private static String skip(JsonParser p, JsonToken t) throws IOException {
    if (t.isStructStart()) {
      p.skipChildren();
      return "[object]";
    }
    return t == JsonToken.VALUE_NULL ? null : p.getText();
  }
}
