package io.ephemeral.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.io.schubfach.DoubleToDecimal;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * JavaScript-compatible JSON: what Node's {@code JSON.stringify(JSON.parse(text))} produces.
 *
 * <p>The Node broker verifies a request's HMAC over {@code JSON.stringify} of the parsed request,
 * not over the bytes received, so a compatible implementation must reproduce V8's serialization
 * exactly: member order, number formatting and string escaping. All methods are thread-safe.
 */
public final class JsJson {

  /*
   * Implementation notes.
   *
   * Pipeline: bytes --(Utf8.decode, WHATWG replacement like Node's Buffer#toString)--> chars
   * --(Jackson streaming parser)--> small tree (String, Raw, List, JsObject) --> StringBuilder
   * --> UTF-8 bytes.
   *
   * Why a tree: object members must be reordered (array-index keys first) and de-duplicated
   * (last value wins at the first position) before anything is written, so every object is
   * buffered anyway.
   *
   * Why decode to chars first instead of handing Jackson the bytes: Jackson's byte parser
   * (1) auto-detects UTF-16/UTF-32 from the first bytes, (2) skips a UTF-8 BOM, and (3) rejects
   * invalid UTF-8, whereas Node decodes the line as UTF-8 replacing ill-formed sequences with
   * U+FFFD and JSON.parse rejects a BOM. Feeding chars avoids all three differences.
   *
   * Jackson misreads some malformed unicode escapes and rejects lone-surrogate escapes in member
   * names, unlike JSON.parse; Escapes checks and, where needed, rewrites escapes first.
   *
   * Jackson already agrees with JSON.parse on the grammar with default features (no comments,
   * no single quotes, no leading zeros or '+', no NaN, no trailing commas, no unescaped control
   * characters, only the four JSON whitespace characters). Differences that remain by design:
   * nesting deeper than maxDepth and numbers longer than MAX_NUMBER_LENGTH characters are
   * rejected here but accepted by V8.
   *
   * Numbers: Double.parseDouble is correctly rounded, like JS. Formatting uses jackson-core's
   * Schubfach port (shortest round-trip digits; JDK 17's Double.toString is not always shortest)
   * and then applies the layout of ECMAScript Number::toString. Schubfach follows the JDK 19+
   * Double.toString contract, which prefers a 2-digit result when a 1-digit one exists (only
   * possible among subnormals, e.g. 4.9E-324 for JS's 5e-324); formatNumber corrects that.
   */

  /** Default limit on nesting of arrays and objects. */
  public static final int DEFAULT_MAX_DEPTH = 64;

  /** Upper bound for maxDepth: the tree is built and written recursively. */
  static final int MAX_SUPPORTED_DEPTH = 1000;

  /** Longest number token accepted, in characters (Jackson's default, made explicit). */
  static final int MAX_NUMBER_LENGTH = 1000;

  /** Integers up to 2^53 format as their decimal digits; skips the double path for them. */
  private static final long MAX_SAFE_INTEGER = 1L << 53;

  private static final JsonFactory DEFAULT_FACTORY = newFactory(DEFAULT_MAX_DEPTH);
  private static final ConcurrentHashMap<Integer, JsonFactory> FACTORIES =
      new ConcurrentHashMap<>();

  static final Raw TRUE = new Raw("true");
  static final Raw FALSE = new Raw("false");
  static final Raw NULL = new Raw("null");

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private JsJson() {}

  /**
   * Returns the canonical form of a UTF-8 JSON document: the UTF-8 bytes of {@code
   * JSON.stringify(JSON.parse(text))}. Any JSON value is accepted at the top level; leading and
   * trailing JSON whitespace is ignored.
   *
   * @param utf8 the document; ill-formed UTF-8 sequences read as U+FFFD, as in Node
   * @param off offset of the document in {@code utf8}
   * @param len length of the document in bytes
   * @param maxDepth maximum nesting of arrays and objects, 0 to 1000
   * @return the canonical bytes, a new array
   * @throws JsJsonException if the document is not valid JSON, has content after the top-level
   *     value, nests deeper than {@code maxDepth} or has a number longer than 1000 characters
   * @throws IllegalArgumentException if {@code maxDepth} is outside 0 to 1000
   * @throws IndexOutOfBoundsException if {@code off} and {@code len} do not fit {@code utf8}
   * @throws NullPointerException if {@code utf8} is null
   */
  public static byte[] canonicalize(byte[] utf8, int off, int len, int maxDepth) {
    return serialize(parse(utf8, off, len, maxDepth));
  }

  /**
   * Same as {@link #canonicalize(byte[], int, int, int)} for the whole array with {@link
   * #DEFAULT_MAX_DEPTH}.
   *
   * @throws JsJsonException if the document is not valid JSON or exceeds a limit
   * @throws NullPointerException if {@code utf8} is null
   */
  public static byte[] canonicalize(byte[] utf8) {
    return canonicalize(utf8, 0, utf8.length, DEFAULT_MAX_DEPTH);
  }

  /**
   * Formats like JavaScript's {@code Number.prototype.toString()}: shortest round-trip digits,
   * plain notation from 1e-6 up to below 1e21, exponential otherwise ({@code 1e+21}, {@code
   * 1.5e-7}, {@code 5e-324}); {@code -0} gives {@code "0"}.
   *
   * @throws IllegalArgumentException if {@code value} is NaN or infinite (JSON.stringify writes
   *     {@code null} for those; callers decide)
   */
  public static String formatNumber(double value) {
    if (!Double.isFinite(value)) {
      throw new IllegalArgumentException(
          "not a finite number: " + value + " (JSON.stringify writes null for it)");
    }
    if (value == 0) {
      return "0";
    }
    if (value == Math.rint(value) && Math.abs(value) <= MAX_SAFE_INTEGER) {
      return Long.toString((long) value);
    }
    double abs = Math.abs(value);

    // Schubfach output is "i.fff" or "i.fffE[-]x"; turn it into digits D (no leading or trailing
    // zeros) and n such that abs = 0.D * 10^n, the quantities of ECMAScript Number::toString.
    String java = DoubleToDecimal.toString(abs);
    int e = java.indexOf('E');
    int exp = e < 0 ? 0 : Integer.parseInt(java, e + 1, java.length(), 10);
    int mantissaEnd = e < 0 ? java.length() : e;
    int point = java.indexOf('.');
    StringBuilder digits = new StringBuilder(20);
    digits.append(java, 0, point).append(java, point + 1, mantissaEnd);
    int n = point + exp;
    int lead = 0;
    while (digits.charAt(lead) == '0') {
      lead++;
    }
    digits.delete(0, lead);
    n -= lead;
    int k = digits.length();
    while (digits.charAt(k - 1) == '0') {
      k--;
    }
    digits.setLength(k);

    if (k == 2) {
      n = preferOneDigit(abs, digits, n);
      k = digits.length();
    }

    StringBuilder out = new StringBuilder(k + 8);
    if (value < 0) {
      out.append('-');
    }
    if (k <= n && n <= 21) {
      out.append(digits);
      for (int i = k; i < n; i++) {
        out.append('0');
      }
    } else if (0 < n && n <= 21) {
      out.append(digits, 0, n).append('.').append(digits, n, k);
    } else if (-6 < n && n <= 0) {
      out.append("0.");
      for (int i = n; i < 0; i++) {
        out.append('0');
      }
      out.append(digits);
    } else {
      out.append(digits.charAt(0));
      if (k > 1) {
        out.append('.').append(digits, 1, k);
      }
      int shown = n - 1;
      out.append('e').append(shown < 0 ? '-' : '+').append(Math.abs(shown));
    }
    return out.toString();
  }

  /**
   * ECMAScript takes the fewest digits, while Schubfach (JDK contract) may pick a closer 2-digit
   * decimal when a 1-digit one also round-trips. Tries the two 1-digit neighbours of d1d2 and keeps
   * the closest that round-trips, ties to even. Rewrites {@code digits}; returns the new n.
   */
  private static int preferOneDigit(double abs, StringBuilder digits, int n) {
    int d1 = digits.charAt(0) - '0';
    boolean lowOk = Double.parseDouble(d1 + "E" + (n - 1)) == abs;
    boolean highOk = Double.parseDouble((d1 + 1) + "E" + (n - 1)) == abs;
    boolean useHigh;
    if (lowOk && highOk) {
      BigDecimal exact = new BigDecimal(abs);
      BigDecimal low = new BigDecimal(d1 + "E" + (n - 1));
      BigDecimal high = new BigDecimal((d1 + 1) + "E" + (n - 1));
      int cmp = exact.subtract(low).compareTo(high.subtract(exact));
      useHigh = cmp > 0 || (cmp == 0 && (d1 & 1) == 1);
    } else if (lowOk || highOk) {
      useHigh = highOk;
    } else {
      return n;
    }
    digits.setLength(0);
    if (!useHigh) {
      digits.append((char) ('0' + d1));
      return n;
    }
    if (d1 == 9) {
      digits.append('1');
      return n + 1;
    }
    digits.append((char) ('0' + d1 + 1));
    return n;
  }

  /**
   * Appends the {@code JSON.stringify} quoting of {@code s}, with the surrounding quotes: only
   * {@code "} and {@code \} and U+0000 to U+001F are escaped ({@code \b \f \n \r \t} in short form,
   * others as lowercase <code>&#92;u00xx</code>), lone surrogates as lowercase <code>&#92;udxxx
   * </code>; everything else, including U+007F and U+2028/U+2029, is copied.
   *
   * @throws NullPointerException if an argument is null
   */
  public static void quote(CharSequence s, StringBuilder out) {
    Objects.requireNonNull(s, "s");
    Objects.requireNonNull(out, "out");
    out.append('"');
    int len = s.length();
    int run = 0;
    for (int i = 0; i < len; i++) {
      char c = s.charAt(i);
      if (c >= 0x20 && c != '"' && c != '\\' && !Character.isSurrogate(c)) {
        continue;
      }
      if (Character.isHighSurrogate(c)
          && i + 1 < len
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
        continue;
      }
      out.append(s, run, i);
      run = i + 1;
      switch (c) {
        case '"':
          out.append("\\\"");
          break;
        case '\\':
          out.append("\\\\");
          break;
        case '\b':
          out.append("\\b");
          break;
        case '\f':
          out.append("\\f");
          break;
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        case '\t':
          out.append("\\t");
          break;
        default:
          out.append("\\u")
              .append(HEX[c >> 12])
              .append(HEX[(c >> 8) & 0xF])
              .append(HEX[(c >> 4) & 0xF])
              .append(HEX[c & 0xF]);
      }
    }
    out.append(s, run, len);
    out.append('"');
  }

  // ---- package-private tree API, shared with Hmac ----

  /** A scalar already in canonical form: a number, true, false or null. */
  static final class Raw {
    final String json;

    Raw(String json) {
      this.json = json;
    }
  }

  /**
   * Parses a document into a tree of String, {@link Raw}, {@code List<Object>} and {@link
   * JsObject}.
   */
  static Object parse(byte[] utf8, int off, int len, int maxDepth) {
    Objects.requireNonNull(utf8, "utf8");
    Objects.checkFromIndexSize(off, len, utf8.length);
    JsonFactory factory = factory(maxDepth);
    char[] chars = new char[len];
    int n = Utf8.decode(utf8, off, len, chars);
    char[] shielded = Escapes.check(chars, n) ? Escapes.shield(chars, n) : null;
    boolean unshield = shielded != null;
    if (unshield) {
      chars = shielded;
      n = shielded.length;
    }
    try (JsonParser parser = factory.createParser(chars, 0, n)) {
      JsonToken token = parser.nextToken();
      if (token == null) {
        throw new JsJsonException("invalid JSON: no value (empty or whitespace-only input)");
      }
      Object root = read(parser, token, unshield);
      if (parser.nextToken() != null) {
        throw new JsJsonException(
            "invalid JSON: unexpected content after the top-level value at "
                + where(parser.currentTokenLocation()));
      }
      return root;
    } catch (JsonProcessingException e) {
      throw new JsJsonException(
          "invalid JSON at " + where(e.getLocation()) + ": " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      // Cannot happen with an in-memory source; kept so the contract holds regardless.
      throw new JsJsonException("invalid JSON: " + e.getMessage(), e);
    }
  }

  /** Writes a tree from {@link #parse} as canonical UTF-8 bytes. */
  static byte[] serialize(Object node) {
    StringBuilder out = new StringBuilder(128);
    write(node, out);
    // Lone surrogates are always escaped, so the JDK encoder never meets one.
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  static void write(Object node, StringBuilder out) {
    if (node instanceof String s) {
      quote(s, out);
    } else if (node instanceof Raw raw) {
      out.append(raw.json);
    } else if (node instanceof JsObject object) {
      object.writeTo(out);
    } else {
      List<?> array = (List<?>) node;
      out.append('[');
      for (int i = 0, size = array.size(); i < size; i++) {
        if (i > 0) {
          out.append(',');
        }
        write(array.get(i), out);
      }
      out.append(']');
    }
  }

  private static Object read(JsonParser parser, JsonToken token, boolean unshield)
      throws IOException {
    switch (token) {
      case START_OBJECT:
        JsObject object = new JsObject();
        String name;
        while ((name = parser.nextFieldName()) != null) {
          if (unshield) {
            name = Escapes.unshield(name);
          }
          object.put(name, read(parser, next(parser), unshield));
        }
        return object;
      case START_ARRAY:
        List<Object> array = new ArrayList<>();
        JsonToken element;
        while ((element = next(parser)) != JsonToken.END_ARRAY) {
          array.add(read(parser, element, unshield));
        }
        return array;
      case VALUE_STRING:
        return unshield ? Escapes.unshield(parser.getText()) : parser.getText();
      case VALUE_NUMBER_INT:
      case VALUE_NUMBER_FLOAT:
        return number(parser.getText());
      case VALUE_TRUE:
        return TRUE;
      case VALUE_FALSE:
        return FALSE;
      case VALUE_NULL:
        return NULL;
      default:
        throw new JsJsonException(
            "invalid JSON: unexpected " + token + " at " + where(parser.currentTokenLocation()));
    }
  }

  private static JsonToken next(JsonParser parser) throws IOException {
    JsonToken token = parser.nextToken();
    if (token == null) {
      throw new JsJsonException("invalid JSON: unexpected end of input");
    }
    return token;
  }

  /** A number token as JSON.stringify writes it; overflow to +-Infinity writes null. */
  static Raw number(String text) {
    // Integer tokens up to 2^53 are exact doubles and print as their digits: skip the double
    // path. (Long.parseLong cannot overflow on 16 characters.)
    if (text.length() <= 16
        && text.indexOf('.') < 0
        && text.indexOf('e') < 0
        && text.indexOf('E') < 0) {
      long value = Long.parseLong(text);
      if (Math.abs(value) <= MAX_SAFE_INTEGER) {
        return new Raw(Long.toString(value));
      }
    }
    double value = Double.parseDouble(text);
    return Double.isFinite(value) ? new Raw(formatNumber(value)) : NULL;
  }

  private static String where(JsonLocation location) {
    if (location == null) {
      return "unknown position";
    }
    return "line " + location.getLineNr() + ", column " + location.getColumnNr();
  }

  private static JsonFactory factory(int maxDepth) {
    if (maxDepth == DEFAULT_MAX_DEPTH) {
      return DEFAULT_FACTORY;
    }
    if (maxDepth < 0 || maxDepth > MAX_SUPPORTED_DEPTH) {
      throw new IllegalArgumentException(
          "maxDepth must be between 0 and " + MAX_SUPPORTED_DEPTH + ": " + maxDepth);
    }
    return FACTORIES.computeIfAbsent(maxDepth, JsJson::newFactory);
  }

  private static JsonFactory newFactory(int maxDepth) {
    return JsonFactory.builder()
        .streamReadConstraints(
            StreamReadConstraints.builder()
                .maxNestingDepth(maxDepth)
                .maxNumberLength(MAX_NUMBER_LENGTH)
                // Strings, names and documents are bounded by the caller's line or frame limit;
                // Jackson's own defaults (e.g. 50,000-char names) would reject input V8 accepts.
                .maxStringLength(Integer.MAX_VALUE)
                .maxNameLength(Integer.MAX_VALUE)
                .maxDocumentLength(-1L)
                .maxTokenCount(-1L)
                .build())
        // Error messages must never quote the request: it may carry values or secrets.
        .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
        // Names come from untrusted input: do not intern them into the JVM string pool, and do
        // not share a symbol table whose hash-collision guard would reject documents V8 accepts.
        .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
        .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
        .build();
  }
}
