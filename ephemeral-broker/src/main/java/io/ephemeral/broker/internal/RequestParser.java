package io.ephemeral.broker.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.ephemeral.broker.BrokerOption;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns a request line into a {@link Request}: one pass, the members the commands use are picked
 * out, everything else is skipped, and the value is kept as the raw byte range it occupies in the
 * line (never a tree).
 *
 * <p>Implementation notes. Two parsers with one outcome. A byte scanner handles the lines clients
 * actually send (plain ASCII, no escapes in names, keys or actions, integral numbers) without
 * creating a Jackson parser, which was most of the broker's CPU per request. Whenever it meets
 * anything else (non-ASCII bytes, an escape where text is decoded, a fraction or exponent where a
 * number is read, a structure whose Jackson handling is unusual, deep nesting, or anything that is
 * not valid JSON) it gives up, and the line is parsed again from scratch by Jackson's streaming
 * parser, which therefore alone decides every error and every unusual case. The scanner accepts
 * only JSON that Jackson accepts with the same limits and fills the request exactly as the Jackson
 * path does; {@code RequestParserFastPathTest} checks both paths against each other on generated
 * and mutated lines.
 */
final class RequestParser {
  /** Parse outcome. */
  static final int OK = 0;

  static final int INVALID_JSON = 1;
  static final int NOT_AN_OBJECT = 2;

  /** Largest lease pool. */
  static final long MAX_POOL_SIZE = 1_000_000;

  /** Longest a lease request may wait for a slot: a day. */
  static final long MAX_WAIT = 86_400_000;

  /** Largest ttl accepted: JavaScript's Number.MAX_SAFE_INTEGER, the largest exact integer. */
  static final long MAX_TTL = 9_007_199_254_740_991L;

  /** Scanner outcome: hand the line to Jackson. */
  private static final int FULL_PARSE = -1;

  /** Longest number the scanner reads; Jackson's own limit is 1000 characters. */
  private static final int SCAN_MAX_NUMBER = 100;

  /**
   * Lines this long go to Jackson: they could hold a string beyond its 20,000,000 character limit.
   */
  private static final int SCAN_MAX_LINE = 16 << 20;

  private static final byte[] ACTION = ascii("action");
  private static final byte[] KEY = ascii("key");
  private static final byte[] VALUE = ascii("value");
  private static final byte[] TTL = ascii("ttl");
  private static final byte[] COMPRESSED = ascii("compressed");
  private static final byte[] BEFORE_SIZE = ascii("beforeSize");
  private static final byte[] AFTER_SIZE = ascii("afterSize");
  private static final byte[] WORKER_ID = ascii("workerId");
  private static final byte[] ID = ascii("id");
  private static final byte[] SIZE = ascii("size");
  private static final byte[] WAIT = ascii("wait");
  private static final byte[] FORMAT = ascii("format");
  private static final byte[] TRUE = ascii("true");
  private static final byte[] FALSE = ascii("false");
  private static final byte[] NULL = ascii("null");

  /**
   * Jackson, for the lines the scanner hands over, made on the first such line (see {@link
   * #factory()}).
   */
  private JsonFactory factory;

  private final CommandTable commands;

  /** Deepest container nesting the scanner follows below the request object. */
  private final int scanMaxDepth;

  private final int maxNestingDepth;
  private final int maxNumberLength;
  private final int maxStringLength;
  private final int maxNameLength;

  /**
   * Longest number the scanner reads itself; longer ones go to Jackson, which applies the limit.
   */
  private final int scanMaxNumber;

  /** Lines at least this long go to Jackson: only they can hold a string over maxStringLength. */
  private final int scanMaxLine;

  private String error;

  /** The limit behind the last {@link #INVALID_JSON} outcome, or null for plain malformed JSON. */
  private Limit limitHit;

  // Scanner state: the line, the read position and the end of the line.
  private byte[] b;
  private int pos;
  private int end;
  private int numberStart;
  private boolean numberIntegral;

  RequestParser(CommandTable commands, int maxNestingDepth) {
    this(
        commands,
        maxNestingDepth,
        (Integer) BrokerOption.MAX_NUMBER_LENGTH.defaultValue(),
        (Integer) BrokerOption.MAX_STRING_LENGTH.defaultValue());
  }

  RequestParser(
      CommandTable commands, int maxNestingDepth, int maxNumberLength, int maxStringLength) {
    this.commands = commands;
    this.maxNumberLength = maxNumberLength;
    this.maxStringLength = maxStringLength;
    this.maxNameLength = Math.min(maxStringLength, StreamReadConstraints.DEFAULT_MAX_NAME_LEN);
    this.scanMaxNumber = Math.min(SCAN_MAX_NUMBER, maxNumberLength);
    // A string of n characters takes at least n bytes of the line.
    this.scanMaxLine = Math.min(SCAN_MAX_LINE, maxStringLength);
    // The scanner follows containers only well inside the limit, reads numbers only well
    // inside Jackson's limit, and hands lines that could hold an over-long string to Jackson:
    // every limit is decided by Jackson alone.
    this.scanMaxDepth = Math.max(0, Math.min(32, maxNestingDepth - 2));
    this.maxNestingDepth = maxNestingDepth;
  }

  /**
   * The Jackson factory with the broker's limits. Made on first use: the first factory of a JVM
   * costs milliseconds of class loading and initialisation at the broker's start, and the scanner
   * answers most requests without it.
   */
  private JsonFactory factory() {
    if (factory == null) {
      factory =
          JsonFactory.builder()
              .streamReadConstraints(
                  StreamReadConstraints.builder()
                      .maxNestingDepth(maxNestingDepth)
                      .maxNumberLength(maxNumberLength)
                      .maxStringLength(maxStringLength)
                      .maxNameLength(maxNameLength)
                      .build())
              .build();
    }
    return factory;
  }

  /**
   * The limit behind the last {@link #INVALID_JSON} outcome, or null if the JSON was simply
   * malformed.
   */
  Limit limitHit() {
    return limitHit;
  }

  /** A message for the client naming the limit behind the last outcome (null if none). */
  String limitMessage() {
    if (limitHit == null) {
      return null;
    }
    switch (limitHit) {
      case MAX_NESTING_DEPTH:
        return "the request nests deeper than maxNestingDepth (" + maxNestingDepth + " levels)";
      case MAX_NUMBER_LENGTH:
        return "a number is longer than maxNumberLength (" + maxNumberLength + " characters)";
      default:
        return "a string is longer than maxStringLength ("
            + maxStringLength
            + " characters) or a member name"
            + " longer than "
            + maxNameLength;
    }
  }

  /** Message of the last {@link #INVALID_JSON} outcome. */
  String error() {
    return error;
  }

  /**
   * Parses {@code r.line[lineOff, lineOff+lineLen)} into {@code r}, which must be freshly reset.
   */
  int parse(Request r) {
    error = null;
    limitHit = null;
    if (r.lineLen < scanMaxLine && scan(r) == OK) {
      return OK;
    }
    r.reset(r.line, r.lineOff, r.lineLen);
    return parseWithJackson(r);
  }

  /** The reference parser: every line the scanner gives up on, and every error. */
  int parseWithJackson(Request r) {
    error = null;
    limitHit = null;
    byte[] b = r.line;
    int base = r.lineOff;
    String refusal = ClientJson.refusal(b, base, r.lineLen);
    if (refusal != null) {
      error = refusal;
      return INVALID_JSON;
    }
    try (JsonParser p = factory().createParser(b, base, r.lineLen)) {
      JsonToken t = p.nextToken();
      if (t == null) {
        error = "empty request";
        return INVALID_JSON;
      }
      if (t != JsonToken.START_OBJECT) {
        skipValue(p);
        if (p.nextToken() != null) {
          error = "trailing content after the JSON value";
          return INVALID_JSON;
        }
        return NOT_AN_OBJECT;
      }
      String name;
      while ((name = p.nextFieldName()) != null) {
        JsonToken v = p.nextToken();
        switch (name) {
          case "action":
            r.actionPresent = true;
            r.command = v == JsonToken.VALUE_STRING ? commands.lookup(p) : null;
            if (r.command == null && v == JsonToken.VALUE_STRING) {
              r.actionText = p.getText();
            } else if (v != JsonToken.VALUE_STRING) {
              skipValue(p);
            }
            break;
          case "key":
            readKey(p, v, r, base);
            break;
          case "value":
            readValue(p, v, r, base);
            break;
          case "ttl":
            readTtl(p, v, r);
            break;
          // These three take whatever value comes: an object or array is skipped whole, so the
          // members after it are still read.
          case "compressed":
            r.compressed = v == JsonToken.VALUE_TRUE;
            skipValue(p);
            break;
          case "beforeSize":
            r.beforeSize = v.isNumeric() ? p.getValueAsLong() : 0;
            skipValue(p);
            break;
          case "afterSize":
            r.afterSize = v.isNumeric() ? p.getValueAsLong() : 0;
            skipValue(p);
            break;
          case "workerId":
            r.workerId = readWorker(p, v);
            break;
          case "format":
            r.format = v == JsonToken.VALUE_STRING ? p.getText() : null;
            if (v != JsonToken.VALUE_STRING) {
              skipValue(p);
            }
            break;
          case "size":
            long size = wholeNumber(p, v, 1, MAX_POOL_SIZE);
            r.sizeState = size < 0 ? Request.INVALID : Request.VALID;
            r.size = (int) size;
            break;
          case "wait":
            long wait = wholeNumber(p, v, 0, MAX_WAIT);
            r.waitState =
                v == JsonToken.VALUE_NULL
                    ? Request.ABSENT
                    : wait < 0 ? Request.INVALID : Request.VALID;
            r.waitMillis = wait;
            break;
          case "id":
            r.idOff = base + (int) p.currentTokenLocation().getByteOffset();
            skipValue(p);
            p.finishToken();
            r.idEnd = base + (int) p.currentLocation().getByteOffset();
            break;
          default:
            skipValue(p);
        }
      }
      if (p.nextToken() != null) {
        error = "trailing content after the JSON object";
        return INVALID_JSON;
      }
      return OK;
    } catch (StreamConstraintsException e) {
      limitHit = Limit.of(e);
      error = e.getOriginalMessage() == null ? "limit exceeded" : firstLine(e.getOriginalMessage());
      return INVALID_JSON;
    } catch (JsonProcessingException e) {
      error = e.getOriginalMessage() == null ? "malformed JSON" : firstLine(e.getOriginalMessage());
      return INVALID_JSON;
    } catch (IOException e) {
      error = "malformed JSON";
      return INVALID_JSON;
    }
  }

  private static void readKey(JsonParser p, JsonToken v, Request r, int base) throws IOException {
    if (v == JsonToken.VALUE_NULL) {
      r.keyState = Request.ABSENT;
      return;
    }
    if (v != JsonToken.VALUE_STRING) {
      r.keyState = Request.INVALID;
      skipValue(p);
      return;
    }
    int start = base + (int) p.currentTokenLocation().getByteOffset();
    p.finishToken();
    int end = base + (int) p.currentLocation().getByteOffset();
    r.keyState = Request.VALID;
    // Fast path: without escapes the raw bytes between the quotes are the key's UTF-8.
    byte[] b = r.line;
    for (int i = start + 1; i < end - 1; i++) {
      if (b[i] == '\\') {
        r.keyText = p.getText();
        byte[] decoded = io.ephemeral.protocol.Wtf8.encode(r.keyText);
        r.keyBuf = decoded;
        r.keyOff = 0;
        r.keyLen = decoded.length;
        return;
      }
    }
    r.keyBuf = b;
    r.keyOff = start + 1;
    r.keyLen = end - start - 2;
  }

  /**
   * Skips the current value as {@code skipChildren} does, but builds the text of every string in it
   * on the way: Jackson checks a string's length only then, and maxStringLength is for every string
   * of the request, not only those the broker reads. Only lines the byte scanner gives up on come
   * here.
   */
  private static void skipValue(JsonParser p) throws IOException {
    JsonToken t = p.currentToken();
    if (t != JsonToken.START_OBJECT && t != JsonToken.START_ARRAY) {
      decode(p, t);
      return;
    }
    int depth = 1;
    while (depth > 0) {
      JsonToken n = p.nextToken();
      if (n == null) {
        return; // a truncated line: the caller's next read reports it
      }
      if (n.isStructStart()) {
        depth++;
      } else if (n.isStructEnd()) {
        depth--;
      } else {
        decode(p, n);
      }
    }
  }

  /** Decodes a scalar: Jackson checks a string's length when its text is built. */
  private static void decode(JsonParser p, JsonToken t) throws IOException {
    if (t == JsonToken.VALUE_STRING) {
      p.getText();
    } else {
      p.finishToken();
    }
  }

  private static void readValue(JsonParser p, JsonToken v, Request r, int base) throws IOException {
    int start = base + (int) p.currentTokenLocation().getByteOffset();
    skipValue(p);
    p.finishToken();
    int end = base + (int) p.currentLocation().getByteOffset();
    r.valuePresent = true;
    r.valueOff = start;
    r.valueEnd = end;
    // A string counts by its content (as the Node broker counted a string's length), anything
    // else by its JSON text.
    r.valueSize = v == JsonToken.VALUE_STRING ? end - start - 2 : end - start;
  }

  private static void readTtl(JsonParser p, JsonToken v, Request r) throws IOException {
    switch (v) {
      case VALUE_NULL:
        r.ttlState = Request.ABSENT;
        return;
      case VALUE_NUMBER_INT:
        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
          r.ttlState = Request.INVALID;
          return;
        }
        setTtl(r, p.getLongValue());
        return;
      case VALUE_NUMBER_FLOAT:
        // JavaScript has one number type: 60000.0 and 6e4 are the integer 60000.
        double d = p.getDoubleValue();
        if (d == Math.rint(d) && d >= 1 && d <= MAX_TTL) {
          setTtl(r, (long) d);
        } else {
          r.ttlState = Request.INVALID;
        }
        return;
      default:
        skipValue(p);
        r.ttlState = Request.INVALID;
    }
  }

  /** A JSON number that is a whole number within [min, max], or -1 (anything else is skipped). */
  private static long wholeNumber(JsonParser p, JsonToken v, long min, long max)
      throws IOException {
    if (!v.isNumeric()) {
      skipValue(p);
      return -1;
    }
    double d = p.getDoubleValue();
    return d == Math.rint(d) && d >= min && d <= max ? (long) d : -1;
  }

  private static void setTtl(Request r, long ttl) {
    if (ttl >= 1 && ttl <= MAX_TTL) {
      r.ttlState = Request.VALID;
      r.ttl = ttl;
    } else {
      r.ttlState = Request.INVALID;
    }
  }

  private static String readWorker(JsonParser p, JsonToken v) throws IOException {
    if (v == JsonToken.VALUE_STRING || v == JsonToken.VALUE_NUMBER_INT) {
      String s = p.getText();
      return s.isEmpty() ? null : s;
    }
    skipValue(p);
    return null;
  }

  // ---- the scanner ----

  private int scan(Request r) {
    b = r.line;
    pos = r.lineOff;
    end = r.lineOff + r.lineLen;
    skipWhitespace();
    if (pos >= end || b[pos] != '{') {
      return FULL_PARSE;
    }
    pos++;
    skipWhitespace();
    if (pos < end && b[pos] == '}') {
      pos++;
      return rest();
    }
    while (true) {
      if (pos >= end || b[pos] != '"') {
        return FULL_PARSE;
      }
      int name = pos + 1;
      if (!skipPlainString()) {
        return FULL_PARSE;
      }
      int nameLen = pos - 1 - name;
      if (nameLen > maxNameLength) {
        return FULL_PARSE; // Jackson refuses it and names the limit
      }
      skipWhitespace();
      if (pos >= end || b[pos] != ':') {
        return FULL_PARSE;
      }
      pos++;
      skipWhitespace();
      if (pos >= end || !member(r, name, nameLen)) {
        return FULL_PARSE;
      }
      skipWhitespace();
      if (pos >= end) {
        return FULL_PARSE;
      }
      byte c = b[pos++];
      if (c == '}') {
        return rest();
      }
      if (c != ',') {
        return FULL_PARSE;
      }
      skipWhitespace();
    }
  }

  /** After the request object only whitespace may follow. */
  private int rest() {
    skipWhitespace();
    return pos == end ? OK : FULL_PARSE;
  }

  /** One member whose value starts at {@link #pos}; false: give the line to Jackson. */
  private boolean member(Request r, int name, int len) {
    byte c = b[pos];
    if (named(name, len, KEY)) {
      if (c == '"') {
        int start = pos;
        if (!skipPlainString()) {
          return false; // escapes: Jackson decodes the key
        }
        r.keyState = Request.VALID;
        r.keyBuf = b;
        r.keyOff = start + 1;
        r.keyLen = pos - start - 2;
        return true;
      }
      if (c == 'n') {
        r.keyState = Request.ABSENT;
        return literal(NULL);
      }
      r.keyState = Request.INVALID;
      return skipValue(0);
    }
    if (named(name, len, ACTION)) {
      if (c == '"') {
        int start = pos + 1;
        if (!skipPlainString()) {
          return false;
        }
        r.actionPresent = true;
        r.command = commands.lookup(b, start, pos - 1 - start);
        return r.command != null; // an unknown action: Jackson records its name for interceptors
      }
      r.actionPresent = true;
      r.command = null;
      return skipValue(0);
    }
    if (named(name, len, VALUE)) {
      int start = pos;
      if (!skipValue(0)) {
        return false;
      }
      r.valuePresent = true;
      r.valueOff = start;
      r.valueEnd = pos;
      r.valueSize = c == '"' ? pos - start - 2 : pos - start;
      return true;
    }
    if (named(name, len, TTL)) {
      if (c == 'n') {
        r.ttlState = Request.ABSENT;
        return literal(NULL);
      }
      if (c == '-' || (c >= '0' && c <= '9')) {
        if (!skipNumber() || !numberIntegral || !fitsLong()) {
          return false; // 6e4, 60000.0 and huge integers: Jackson's rules
        }
        setTtl(r, integer());
        return true;
      }
      r.ttlState = Request.INVALID;
      return skipValue(0);
    }
    if (named(name, len, WORKER_ID)) {
      if (c == '"') {
        int start = pos + 1;
        if (!skipPlainString()) {
          return false;
        }
        int n = pos - 1 - start;
        // ASCII only here, so Latin-1 decoding is UTF-8 decoding, without the validation pass.
        r.workerId = n == 0 ? null : new String(b, start, n, StandardCharsets.ISO_8859_1);
        return true;
      }
      if (c == '-' || (c >= '0' && c <= '9')) {
        if (!skipNumber()) {
          return false;
        }
        r.workerId =
            numberIntegral
                ? new String(b, numberStart, pos - numberStart, StandardCharsets.ISO_8859_1)
                : null;
        return true;
      }
      r.workerId = null;
      return skipValue(0);
    }
    if (named(name, len, ID)) {
      r.idOff = pos;
      if (!skipValue(0)) {
        return false;
      }
      r.idEnd = pos;
      return true;
    }
    boolean compressed = named(name, len, COMPRESSED);
    boolean before = !compressed && named(name, len, BEFORE_SIZE);
    boolean after = !compressed && !before && named(name, len, AFTER_SIZE);
    if (compressed || before || after) {
      if (compressed) {
        r.compressed = c == 't';
        return skipValue(0);
      }
      long v = 0;
      if (c == '-' || (c >= '0' && c <= '9')) {
        if (!skipNumber() || !numberIntegral || !fitsLong()) {
          return false;
        }
        v = integer();
      } else if (!skipValue(0)) {
        return false;
      }
      if (before) {
        r.beforeSize = v;
      } else {
        r.afterSize = v;
      }
      return true;
    }
    if (named(name, len, SIZE) || named(name, len, WAIT) || named(name, len, FORMAT)) {
      return false; // lease pool members: rare, read by the Jackson path
    }
    return skipValue(0);
  }

  private boolean named(int name, int len, byte[] expected) {
    return len == expected.length && Arrays.equals(b, name, name + len, expected, 0, len);
  }

  /** Skips any JSON value at {@link #pos}, validating it; false if it is not plain valid JSON. */
  private boolean skipValue(int depth) {
    if (pos >= end) {
      return false;
    }
    byte c = b[pos];
    switch (c) {
      case '"':
        return skipString();
      case '{':
        return skipContainer(depth, '}');
      case '[':
        return skipContainer(depth, ']');
      case 't':
        return literal(TRUE);
      case 'f':
        return literal(FALSE);
      case 'n':
        return literal(NULL);
      default:
        return (c == '-' || (c >= '0' && c <= '9')) && skipNumber();
    }
  }

  private boolean skipContainer(int depth, char close) {
    if (depth >= scanMaxDepth) {
      return false;
    }
    pos++;
    skipWhitespace();
    if (pos < end && b[pos] == close) {
      pos++;
      return true;
    }
    while (true) {
      if (close == '}') {
        int name = pos;
        if (pos >= end || b[pos] != '"' || !skipString()) {
          return false;
        }
        if (pos - name - 2 > maxNameLength) {
          return false; // a name's bytes are at least its characters: Jackson decides
        }
        skipWhitespace();
        if (pos >= end || b[pos] != ':') {
          return false;
        }
        pos++;
        skipWhitespace();
      }
      if (!skipValue(depth + 1)) {
        return false;
      }
      skipWhitespace();
      if (pos >= end) {
        return false;
      }
      byte c = b[pos++];
      if (c == close) {
        return true;
      }
      if (c != ',') {
        return false;
      }
      skipWhitespace();
    }
  }

  /**
   * A string of printable ASCII with valid escapes; leaves {@link #pos} after its closing quote.
   */
  private boolean skipString() {
    int p = pos + 1;
    while (p < end) {
      byte c = b[p++];
      if (c == '"') {
        pos = p;
        return true;
      }
      if (c == '\\') {
        if (p >= end) {
          return false;
        }
        byte e = b[p++];
        if (e == 'u') {
          if (p + 4 > end || !hex(b[p]) || !hex(b[p + 1]) || !hex(b[p + 2]) || !hex(b[p + 3])) {
            return false;
          }
          p += 4;
        } else if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r'
            && e != 't') {
          return false;
        }
      } else if (c < 0x20) {
        return false; // a control character, or a non-ASCII byte (negative): Jackson's business
      }
    }
    return false;
  }

  /** A string of printable ASCII without escapes: its bytes are its text. */
  private boolean skipPlainString() {
    int p = pos + 1;
    while (p < end) {
      byte c = b[p++];
      if (c == '"') {
        pos = p;
        return true;
      }
      if (c == '\\' || c < 0x20) {
        return false;
      }
    }
    return false;
  }

  /** A JSON number; sets {@link #numberStart} and {@link #numberIntegral}. */
  private boolean skipNumber() {
    int start = pos;
    int p = pos;
    if (b[p] == '-') {
      p++;
    }
    if (p >= end) {
      return false;
    }
    if (b[p] == '0') {
      p++;
    } else if (b[p] >= '1' && b[p] <= '9') {
      while (p < end && b[p] >= '0' && b[p] <= '9') {
        p++;
      }
    } else {
      return false;
    }
    boolean integral = true;
    if (p < end && b[p] == '.') {
      integral = false;
      int digits = ++p;
      while (p < end && b[p] >= '0' && b[p] <= '9') {
        p++;
      }
      if (p == digits) {
        return false;
      }
    }
    if (p < end && (b[p] == 'e' || b[p] == 'E')) {
      integral = false;
      p++;
      if (p < end && (b[p] == '+' || b[p] == '-')) {
        p++;
      }
      int digits = p;
      while (p < end && b[p] >= '0' && b[p] <= '9') {
        p++;
      }
      if (p == digits) {
        return false;
      }
    }
    if (p - start > scanMaxNumber) {
      return false;
    }
    numberStart = start;
    numberIntegral = integral;
    pos = p;
    return true;
  }

  /** The integer just skipped has at most 18 digits, so it is exact in a long. */
  private boolean fitsLong() {
    int digits = pos - numberStart - (b[numberStart] == '-' ? 1 : 0);
    return digits <= 18;
  }

  private long integer() {
    int p = numberStart;
    boolean negative = b[p] == '-';
    if (negative) {
      p++;
    }
    long v = 0;
    for (; p < pos; p++) {
      v = v * 10 + (b[p] - '0');
    }
    return negative ? -v : v;
  }

  private boolean literal(byte[] word) {
    int n = word.length;
    if (pos + n > end || !Arrays.equals(b, pos, pos + n, word, 0, n)) {
      return false;
    }
    pos += n;
    return true;
  }

  private void skipWhitespace() {
    while (pos < end) {
      byte c = b[pos];
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
        return;
      }
      pos++;
    }
  }

  private static boolean hex(byte c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static String firstLine(String message) {
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}
