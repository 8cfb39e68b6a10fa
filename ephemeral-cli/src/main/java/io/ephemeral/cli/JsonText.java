package io.ephemeral.cli;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

/**
 * JSON text for brokerctl's output: compact JSON re-indented the way {@code JSON.stringify(value,
 * null, 2)} prints it, and the small documents of {@code --json} written without a databind.
 */
final class JsonText {

  private static final String INDENT = "  ";

  private JsonText() {}

  /**
   * Re-indents valid JSON text with two spaces per level, {@code ": "} after member names and
   * {@code {}} / {@code []} for empty containers. Scalars (numbers, strings) are copied exactly.
   */
  static String indent(String json) {
    StringBuilder out = new StringBuilder(json.length() * 2);
    int depth = 0;
    int length = json.length();
    for (int i = 0; i < length; i++) {
      char c = json.charAt(i);
      switch (c) {
        case '"' -> i = copyString(json, i, out);
        case '{', '[' -> {
          int next = skipWhitespace(json, i + 1);
          char close = c == '{' ? '}' : ']';
          if (next < length && json.charAt(next) == close) {
            out.append(c).append(close);
            i = next;
          } else {
            out.append(c);
            newline(out, ++depth);
          }
        }
        case '}', ']' -> {
          newline(out, --depth);
          out.append(c);
        }
        case ',' -> {
          out.append(',');
          newline(out, depth);
        }
        case ':' -> out.append(": ");
        case ' ', '\t', '\n', '\r' -> {}
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  /**
   * Copies the string literal starting at {@code start}; returns the index of its closing quote.
   */
  private static int copyString(String json, int start, StringBuilder out) {
    int i = start + 1;
    while (i < json.length() && json.charAt(i) != '"') {
      i += json.charAt(i) == '\\' ? 2 : 1;
    }
    int end = Math.min(i, json.length() - 1);
    out.append(json, start, end + 1);
    return end;
  }

  private static int skipWhitespace(String json, int i) {
    while (i < json.length() && " \t\n\r".indexOf(json.charAt(i)) >= 0) {
      i++;
    }
    return i;
  }

  private static void newline(StringBuilder out, int depth) {
    out.append('\n');
    for (int i = 0; i < depth; i++) {
      out.append(INDENT);
    }
  }

  /** A new JSON object, written member by member. */
  static ObjectText object() {
    return new ObjectText();
  }

  /** A JSON object under construction; {@link #end()} closes it and returns its text. */
  static final class ObjectText {
    private final StringBuilder sb = new StringBuilder("{");

    ObjectText put(String name, String value) {
      return putRaw(name, value == null ? "null" : quote(value));
    }

    ObjectText put(String name, long value) {
      return putRaw(name, Long.toString(value));
    }

    /** A number rounded to three decimals, as JavaScript would print it (1.5, 2, 0.001). */
    ObjectText put(String name, double value) {
      double rounded = Math.round(value * 1000) / 1000.0;
      return putRaw(
          name,
          rounded == Math.rint(rounded) && Math.abs(rounded) < 1e15
              ? Long.toString((long) rounded)
              : java.math.BigDecimal.valueOf(rounded).toPlainString());
    }

    ObjectText put(String name, boolean value) {
      return putRaw(name, Boolean.toString(value));
    }

    /** A member whose value is JSON text already; none when {@code json} is null (undefined). */
    ObjectText putRaw(String name, String json) {
      if (json != null) {
        if (sb.length() > 1) {
          sb.append(',');
        }
        sb.append(quote(name)).append(':').append(json);
      }
      return this;
    }

    String end() {
      return sb.append('}').toString();
    }

    private static String quote(String s) {
      return '"' + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + '"';
    }
  }
}
