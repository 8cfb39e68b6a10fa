package io.ephemeral.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * JSON text helpers for brokerctl output: re-indenting compact JSON the way
 * {@code JSON.stringify(value, null, 2)} prints it, and quoting a string.
 */
final class JsonText {

  private static final JsonFactory FACTORY = new JsonFactory();

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
   * Returns {@code text} if it is exactly one valid JSON value.
   *
   * @throws IllegalArgumentException naming the problem otherwise
   */
  static String requireValid(String text) {
    try (JsonParser parser = FACTORY.createParser(text)) {
      if (parser.nextToken() == null) {
        throw new IllegalArgumentException("--json: VALUE is empty");
      }
      parser.skipChildren();
      if (parser.nextToken() != null) {
        throw new IllegalArgumentException(
            "--json: VALUE has text after the JSON value at column "
                + parser.currentTokenLocation().getColumnNr());
      }
      return text;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("--json: VALUE is not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code text} as a JSON string literal (quotes, backslashes and control characters escaped). */
  static String quote(String text) {
    StringBuilder out = new StringBuilder(text.length() + 2).append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }

  /** Copies the string literal starting at {@code start}; returns the index of its closing quote. */
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
}
