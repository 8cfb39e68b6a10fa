package io.ephemeral.protocol;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A second {@code JSON.stringify(JSON.parse(text))}, written straight from RFC 8259 and ECMA-262
 * with no attention to speed, to check {@link JsJson} against. It shares no code with it: the bytes
 * are decoded by the WHATWG algorithm as written in the Encoding standard, parsed by a small
 * recursive-descent parser into {@link LinkedHashMap}s (whose {@code put} keeps a repeated key's
 * first position and takes its last value, as JSON.parse does), numbers are formatted by searching
 * the shortest round-tripping digits with {@link BigDecimal}, and strings are quoted code point by
 * code point.
 */
final class JsReference {

  /** The input is not JSON. */
  static final class Rejected extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Rejected(String message) {
      super(message, null, false, false);
    }
  }

  /** The canonical text and what the input needed of the limits JsJson enforces. */
  record Result(String canonical, int depth, int longestNumber) {
    byte[] utf8() {
      return canonical.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Whether JsJson may refuse this input by a documented limit (nesting depth, number length).
     */
    boolean beyondJsJsonLimits() {
      return depth > JsJson.DEFAULT_MAX_DEPTH || longestNumber > JsJson.MAX_NUMBER_LENGTH;
    }
  }

  private static final long MAX_ARRAY_INDEX = 4_294_967_294L;

  private final String text;
  private int pos;
  private int depth;
  private int maxDepth;
  private int longestNumber;

  private JsReference(String text) {
    this.text = text;
  }

  /** Parses and re-serializes; throws {@link Rejected} where JSON.parse would throw. */
  static Result canonicalize(byte[] utf8) {
    JsReference r = new JsReference(decode(utf8));
    Object value = r.parseDocument();
    StringBuilder out = new StringBuilder();
    stringify(value, out);
    return new Result(out.toString(), r.maxDepth, r.longestNumber);
  }

  /** The parsed value: String, Double (finite or not), Boolean, NULL, List or LinkedHashMap. */
  static Object parse(byte[] utf8) {
    return new JsReference(decode(utf8)).parseDocument();
  }

  /**
   * The WHATWG Encoding standard's UTF-8 decoder, step by step (what Node's Buffer#toString does).
   * Not the JDK's decoder: that one replaces an encoded surrogate such as ED A0 80 by one U+FFFD
   * where WHATWG writes three.
   */
  static String decode(byte[] bytes) {
    StringBuilder out = new StringBuilder(bytes.length);
    int needed = 0;
    int seen = 0;
    int codePoint = 0;
    int lower = 0x80;
    int upper = 0xBF;
    for (int i = 0; i < bytes.length; i++) {
      int b = bytes[i] & 0xFF;
      if (needed == 0) {
        if (b <= 0x7F) {
          out.append((char) b);
        } else if (b >= 0xC2 && b <= 0xDF) {
          needed = 1;
          codePoint = b & 0x1F;
        } else if (b >= 0xE0 && b <= 0xEF) {
          if (b == 0xE0) {
            lower = 0xA0;
          }
          if (b == 0xED) {
            upper = 0x9F;
          }
          needed = 2;
          codePoint = b & 0xF;
        } else if (b >= 0xF0 && b <= 0xF4) {
          if (b == 0xF0) {
            lower = 0x90;
          }
          if (b == 0xF4) {
            upper = 0x8F;
          }
          needed = 3;
          codePoint = b & 0x7;
        } else {
          out.append('\uFFFD');
        }
        continue;
      }
      if (b < lower || b > upper) {
        codePoint = 0;
        needed = 0;
        seen = 0;
        lower = 0x80;
        upper = 0xBF;
        out.append('\uFFFD');
        i--; // the byte is processed again
        continue;
      }
      lower = 0x80;
      upper = 0xBF;
      codePoint = (codePoint << 6) | (b & 0x3F);
      seen++;
      if (seen == needed) {
        out.appendCodePoint(codePoint);
        codePoint = 0;
        needed = 0;
        seen = 0;
      }
    }
    if (needed != 0) {
      out.append('\uFFFD');
    }
    return out.toString();
  }

  /** JSON null. */
  static final Object NULL = new Object();

  // ---- parsing (RFC 8259) ----

  private Object parseDocument() {
    skipWhitespace();
    Object value = value();
    skipWhitespace();
    if (pos != text.length()) {
      throw new Rejected("content after the value at " + pos);
    }
    return value;
  }

  private void skipWhitespace() {
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        return;
      }
      pos++;
    }
  }

  private char peek() {
    if (pos >= text.length()) {
      throw new Rejected("unexpected end");
    }
    return text.charAt(pos);
  }

  private void expect(char c) {
    if (peek() != c) {
      throw new Rejected("expected " + c + " at " + pos);
    }
    pos++;
  }

  private Object value() {
    char c = peek();
    switch (c) {
      case '{':
        return object();
      case '[':
        return array();
      case '"':
        return string();
      case 't':
        literal("true");
        return Boolean.TRUE;
      case 'f':
        literal("false");
        return Boolean.FALSE;
      case 'n':
        literal("null");
        return NULL;
      default:
        if (c == '-' || (c >= '0' && c <= '9')) {
          return number();
        }
        throw new Rejected("unexpected character at " + pos);
    }
  }

  private void literal(String word) {
    if (!text.startsWith(word, pos)) {
      throw new Rejected("bad literal at " + pos);
    }
    pos += word.length();
  }

  private Map<String, Object> object() {
    enter();
    pos++;
    Map<String, Object> map = new LinkedHashMap<>();
    skipWhitespace();
    if (peek() == '}') {
      pos++;
      depth--;
      return map;
    }
    while (true) {
      skipWhitespace();
      if (peek() != '"') {
        throw new Rejected("expected a member name at " + pos);
      }
      String name = string();
      skipWhitespace();
      expect(':');
      skipWhitespace();
      map.put(name, value());
      skipWhitespace();
      char c = peek();
      pos++;
      if (c == '}') {
        depth--;
        return map;
      }
      if (c != ',') {
        throw new Rejected("expected , or } at " + (pos - 1));
      }
    }
  }

  private List<Object> array() {
    enter();
    pos++;
    List<Object> list = new ArrayList<>();
    skipWhitespace();
    if (peek() == ']') {
      pos++;
      depth--;
      return list;
    }
    while (true) {
      skipWhitespace();
      list.add(value());
      skipWhitespace();
      char c = peek();
      pos++;
      if (c == ']') {
        depth--;
        return list;
      }
      if (c != ',') {
        throw new Rejected("expected , or ] at " + (pos - 1));
      }
    }
  }

  private void enter() {
    depth++;
    maxDepth = Math.max(maxDepth, depth);
    if (depth > 5_000) {
      throw new Rejected("too deep for this reference"); // JsJson stops at 1000 anyway
    }
  }

  private String string() {
    pos++;
    StringBuilder sb = new StringBuilder();
    while (true) {
      char c = peek();
      pos++;
      if (c == '"') {
        return sb.toString();
      }
      if (c < 0x20) {
        throw new Rejected("control character in a string at " + (pos - 1));
      }
      if (c != '\\') {
        sb.append(c);
        continue;
      }
      char e = peek();
      pos++;
      switch (e) {
        case '"':
        case '\\':
        case '/':
          sb.append(e);
          break;
        case 'b':
          sb.append('\b');
          break;
        case 'f':
          sb.append('\f');
          break;
        case 'n':
          sb.append('\n');
          break;
        case 'r':
          sb.append('\r');
          break;
        case 't':
          sb.append('\t');
          break;
        case 'u':
          {
            int v = 0;
            for (int i = 0; i < 4; i++) {
              int d = Escapes.hexDigit(peek());
              if (d < 0) {
                throw new Rejected("bad \\u escape at " + pos);
              }
              v = v * 16 + d;
              pos++;
            }
            sb.append((char) v);
            break;
          }
        default:
          throw new Rejected("bad escape at " + (pos - 1));
      }
    }
  }

  private Double number() {
    int start = pos;
    if (peek() == '-') {
      pos++;
    }
    char c = peek();
    if (c == '0') {
      pos++;
    } else if (c >= '1' && c <= '9') {
      digits();
    } else {
      throw new Rejected("bad number at " + start);
    }
    if (pos < text.length() && text.charAt(pos) == '.') {
      pos++;
      if (digits() == 0) {
        throw new Rejected("no digits after the point at " + pos);
      }
    }
    if (pos < text.length() && (text.charAt(pos) == 'e' || text.charAt(pos) == 'E')) {
      pos++;
      if (pos < text.length() && (text.charAt(pos) == '+' || text.charAt(pos) == '-')) {
        pos++;
      }
      if (digits() == 0) {
        throw new Rejected("no exponent digits at " + pos);
      }
    }
    longestNumber = Math.max(longestNumber, pos - start);
    // Correctly rounded, as ECMA-262 requires of JSON.parse.
    return Double.parseDouble(text.substring(start, pos));
  }

  private int digits() {
    int start = pos;
    while (pos < text.length() && text.charAt(pos) >= '0' && text.charAt(pos) <= '9') {
      pos++;
    }
    return pos - start;
  }

  // ---- JSON.stringify (ECMA-262 SerializeJSONProperty) ----

  @SuppressWarnings("unchecked")
  static void stringify(Object v, StringBuilder out) {
    if (v == NULL) {
      out.append("null");
    } else if (v instanceof Boolean b) {
      out.append(b ? "true" : "false");
    } else if (v instanceof Double d) {
      out.append(Double.isFinite(d) ? numberToString(d) : "null");
    } else if (v instanceof String s) {
      quote(s, out);
    } else if (v instanceof List<?> list) {
      out.append('[');
      for (int i = 0; i < list.size(); i++) {
        if (i > 0) {
          out.append(',');
        }
        stringify(list.get(i), out);
      }
      out.append(']');
    } else {
      Map<String, Object> map = (Map<String, Object>) v;
      out.append('{');
      boolean first = true;
      for (String key : ownPropertyKeys(map)) {
        if (!first) {
          out.append(',');
        }
        first = false;
        quote(key, out);
        out.append(':');
        stringify(map.get(key), out);
      }
      out.append('}');
    }
  }

  /** OrdinaryOwnPropertyKeys: array indices ascending, then strings in creation order. */
  static List<String> ownPropertyKeys(Map<String, Object> map) {
    List<String> indices = new ArrayList<>();
    List<String> others = new ArrayList<>();
    for (String key : map.keySet()) {
      (isArrayIndex(key) ? indices : others).add(key);
    }
    indices.sort((a, b) -> Long.compare(Long.parseLong(a), Long.parseLong(b)));
    indices.addAll(others);
    return indices;
  }

  /** CanonicalNumericIndexString and an integer from 0 to 2^32 - 2. */
  static boolean isArrayIndex(String key) {
    if (key.isEmpty() || key.length() > 10) {
      return false;
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    if (key.length() > 1 && key.charAt(0) == '0') {
      return false;
    }
    return Long.parseLong(key) <= MAX_ARRAY_INDEX;
  }

  /** QuoteJSONString, including the well-formed-stringify rule for lone surrogates. */
  static void quote(String s, StringBuilder out) {
    out.append('"');
    s.codePoints()
        .forEach(
            cp -> {
              switch (cp) {
                case 0x08:
                  out.append("\\b");
                  break;
                case 0x09:
                  out.append("\\t");
                  break;
                case 0x0A:
                  out.append("\\n");
                  break;
                case 0x0C:
                  out.append("\\f");
                  break;
                case 0x0D:
                  out.append("\\r");
                  break;
                case 0x22:
                  out.append("\\\"");
                  break;
                case 0x5C:
                  out.append("\\\\");
                  break;
                default:
                  if (cp < 0x20 || (cp >= 0xD800 && cp <= 0xDFFF)) {
                    out.append(String.format("\\u%04x", cp));
                  } else {
                    out.appendCodePoint(cp);
                  }
              }
            });
    out.append('"');
  }

  /** Number::toString(x, 10) for a finite x. */
  static String numberToString(double x) {
    if (x == 0) {
      return "0";
    }
    if (x < 0) {
      return "-" + numberToString(-x);
    }
    // Step 5: the fewest digits k, and for that k the s closest to x (ties: even), such that
    // s * 10^(n-k) reads back as x. The candidates for a given k are the k-digit decimals just
    // below and just above x: any other k-digit decimal is farther from x than one of them.
    BigDecimal exact = new BigDecimal(x);
    BigDecimal best = null;
    for (int k = 1; k <= 17 && best == null; k++) {
      BigDecimal low = exact.round(new MathContext(k, RoundingMode.FLOOR));
      BigDecimal high = exact.round(new MathContext(k, RoundingMode.CEILING));
      boolean lowOk = Double.parseDouble(low.toString()) == x;
      boolean highOk = Double.parseDouble(high.toString()) == x;
      if (lowOk && highOk) {
        int cmp = exact.subtract(low).compareTo(high.subtract(exact));
        if (cmp == 0) {
          best = low.unscaledValue().testBit(0) ? high : low;
        } else {
          best = cmp < 0 ? low : high;
        }
      } else if (lowOk) {
        best = low;
      } else if (highOk) {
        best = high;
      }
    }
    if (best == null) {
      throw new AssertionError("no decimal of 17 digits reads back as " + x);
    }
    best = best.stripTrailingZeros();
    String s = best.unscaledValue().toString();
    int k = s.length();
    int n = k - best.scale();
    StringBuilder out = new StringBuilder();
    if (k <= n && n <= 21) {
      out.append(s).append("0".repeat(n - k));
    } else if (0 < n && n <= 21) {
      out.append(s, 0, n).append('.').append(s, n, k);
    } else if (-6 < n && n <= 0) {
      out.append("0.").append("0".repeat(-n)).append(s);
    } else {
      int e = n - 1;
      out.append(s.charAt(0));
      if (k > 1) {
        out.append('.').append(s, 1, k);
      }
      out.append('e').append(e < 0 ? '-' : '+').append(Math.abs(e));
    }
    return out.toString();
  }
}
