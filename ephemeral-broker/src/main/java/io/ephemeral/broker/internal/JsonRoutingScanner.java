package io.ephemeral.broker.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Reads the routing fields of a JSON frame body straight from its bytes, for {@link FramePeeker}:
 * the same fields, with the same rules, as its Jackson path, at a fraction of the cost (no parser
 * per frame; long strings skipped by a tight loop rather than byte by byte through a tokenizer).
 *
 * <p>It accepts only what it is sure about: strict JSON (the whitespace, literals, numbers and
 * escapes of RFC 8259, valid UTF-8), no escapes in names or in the strings it returns, numbers of
 * at most 18 digits where it needs their value, nesting below the peeker's limit. Anything else
 * returns false and the caller runs the Jackson path, which decides (and words the error). So a
 * body is accepted here only if Jackson accepts it, with the same fields.
 */
final class JsonRoutingScanner {
  private static final int OTHER = 0;
  private static final int TYPE = 1;
  private static final int ID = 2;
  private static final int FROM = 3;
  private static final int TO = 4;
  private static final int METHOD = 5;
  private static final int STATUS = 6;
  private static final int SERVICE_NAME = 7;
  private static final int VERSION = 8;
  private static final int METHODS = 9;
  private static final int METADATA = 10;
  private static final int ERROR = 11;
  private static final int CONTEXT = 12;
  private static final int AUTH = 13;
  private static final int ANONYMOUS = 14;

  /** Thrown when the scanner is not sure; preallocated, no stack trace. */
  private static final class Doubt extends Exception {
    Doubt() {
      super(null, null, false, false);
    }
  }

  private static final Doubt DOUBT = new Doubt();

  /** Eight bytes of an array at once, to pass over plain string contents a word at a time. */
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private static final long ONES = 0x0101010101010101L;
  private static final long HIGHS = 0x8080808080808080L;
  private static final long QUOTES = 0x2222222222222222L;
  private static final long BACKSLASHES = 0x5C5C5C5C5C5C5C5CL;
  private static final long SPACES = 0x2020202020202020L;
  private static final byte[][] NAMES = {
    null,
    ascii("type"),
    ascii("id"),
    ascii("from"),
    ascii("to"),
    ascii("method"),
    ascii("status"),
    ascii("serviceName"),
    ascii("version"),
    ascii("methods"),
    ascii("metadata"),
    ascii("error"),
    ascii("context"),
    ascii("auth"),
    ascii("anonymous"),
  };
  private static final byte[] POOL_INDEX = ascii("poolIndex");
  private static final byte[] POOL_SIZE = ascii("poolSize");
  private static final byte[] POOL_KEY = ascii("poolKey");
  private static final byte[] CODE = ascii("code");
  private static final byte[] DEADLINE = ascii("deadline");
  private static final byte[] DEPTH = ascii("depth");

  /**
   * Longest string value handed out, longest member name, largest body: beyond these Jackson
   * decides, as its limits (string and name length) may apply.
   */
  private static final int MAX_TEXT = 1 << 20;

  private static final int MAX_NAME = 1000;
  private static final int MAX_BODY = 16 << 20;

  private final int maxDepth;
  private byte[] b;
  private int pos;
  private int end;
  // The last string or number token read: its bytes are b[tokStart..tokEnd).
  private int tokStart;
  private int tokEnd;
  private boolean tokAscii;

  /**
   * @param maxDepth the peeker's nesting limit: deeper bodies are left to Jackson
   */
  JsonRoutingScanner(int maxDepth) {
    this.maxDepth = maxDepth;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Fills {@code m} (reset by the caller) from the JSON object at {@code b[off..off+len)}.
   *
   * @return true if the body is valid and {@code m} holds its fields; false if in doubt ({@code m}
   *     is then partly filled and must be reset)
   */
  boolean scan(byte[] body, int off, int len, FrameMessage m) {
    if (len > MAX_BODY) {
      return false;
    }
    b = body;
    pos = off;
    end = off + len;
    try {
      ws();
      expect('{');
      if (!objectStart()) {
        return trailer();
      }
      int seen = 0;
      do {
        int field = fieldId();
        colon();
        if (field != OTHER) {
          // A repeated member replaces the earlier one (as in the object a Node peer decodes);
          // the Jackson path does that bookkeeping.
          if ((seen & (1 << field)) != 0) {
            throw DOUBT;
          }
          seen |= 1 << field;
        }
        switch (field) {
          case TYPE:
            m.type = stringOrSkip(1);
            break;
          case ID:
            m.id = stringOrSkip(1);
            break;
          case FROM:
            m.from = stringOrSkip(1);
            break;
          case TO:
            m.to = stringOrSkip(1);
            break;
          case METHOD:
            m.method = stringOrSkip(1);
            break;
          case STATUS:
            m.status = stringOrSkip(1);
            break;
          case SERVICE_NAME:
            m.serviceName = stringOrSkip(1);
            break;
          case VERSION:
            m.version = stringOrSkip(1);
            break;
          case METHODS:
            methods(m);
            break;
          case METADATA:
            metadata(m);
            break;
          case ERROR:
            error(m);
            break;
          case CONTEXT:
            context(m);
            break;
          case AUTH:
            m.auth = stringOrSkip(1);
            break;
          case ANONYMOUS:
            m.anonymous = peek() == 't';
            skipValue(1);
            break;
          default:
            skipValue(1);
        }
      } while (nextMember());
      return trailer();
    } catch (Doubt | RuntimeException e) {
      return false; // RuntimeException: an index past the end of a truncated body
    } finally {
      b = null;
    }
  }

  // ---- the fields, as FramePeeker's Jackson path reads them

  private void methods(FrameMessage m) throws Doubt {
    if (peek() != '[') {
      skipValue(1);
      return;
    }
    pos++;
    m.methodsValid = true;
    if (arrayStart()) {
      do {
        if (peek() == '"') {
          m.methods.add(stringText());
        } else {
          skipValue(2);
          m.methodsValid = false;
        }
      } while (nextElement());
    }
  }

  private void metadata(FrameMessage m) throws Doubt {
    if (peek() != '{') {
      skipValue(1);
      return;
    }
    pos++;
    if (!objectStart()) {
      return;
    }
    boolean index = false;
    boolean size = false;
    boolean key = false;
    do {
      byte[] name = nameOf(POOL_INDEX, POOL_SIZE, POOL_KEY);
      colon();
      if (name == POOL_INDEX ? index : name == POOL_SIZE ? size : name == POOL_KEY && key) {
        throw DOUBT; // repeated: the Jackson path decides
      }
      index |= name == POOL_INDEX;
      size |= name == POOL_SIZE;
      key |= name == POOL_KEY;
      if (name == POOL_INDEX && isNumberStart(peek())) {
        m.poolMember = true;
        m.poolIndex = numberValue();
      } else if (name == POOL_SIZE && isNumberStart(peek())) {
        m.poolSize = numberValue();
      } else if (name == POOL_KEY && peek() == '"') {
        m.poolKey = stringText();
      } else {
        skipValue(2);
      }
    } while (nextMember());
  }

  private void error(FrameMessage m) throws Doubt {
    if (peek() != '{') {
      skipValue(1);
      return;
    }
    pos++;
    if (!objectStart()) {
      return;
    }
    boolean code = false;
    do {
      byte[] name = nameOf(CODE, null);
      colon();
      if (name == CODE) {
        if (code) {
          throw DOUBT; // repeated: the Jackson path decides
        }
        code = true;
      }
      if (name == CODE && peek() == '"') {
        m.errorCode = stringText();
      } else {
        skipValue(2);
      }
    } while (nextMember());
  }

  private void context(FrameMessage m) throws Doubt {
    m.hasContext = true;
    int start = pos;
    if (peek() != '{') {
      skipValue(1);
      m.contextOff = start;
      m.contextLen = pos - start;
      return;
    }
    pos++;
    m.contextValid = true;
    if (objectStart()) {
      boolean deadline = false;
      boolean depth = false;
      do {
        byte[] name = nameOf(DEADLINE, DEPTH);
        colon();
        if (name == DEADLINE ? deadline : name == DEPTH && depth) {
          throw DOUBT; // repeated: the Jackson path decides
        }
        deadline |= name == DEADLINE;
        depth |= name == DEPTH;
        if (name == DEADLINE || name == DEPTH) {
          byte c = peek();
          if (isNumberStart(c)) {
            double v = numberValue();
            if (name == DEADLINE) {
              m.hasDeadline = true;
              m.deadline = v;
            } else {
              m.hasDepth = true;
              m.depth = v;
            }
            continue;
          }
          if (c != 'n') {
            m.contextValid = false;
          }
        }
        skipValue(2);
      } while (nextMember());
    }
    m.contextOff = start;
    m.contextLen = pos - start;
  }

  // ---- grammar

  private byte peek() throws Doubt {
    if (pos >= end) {
      throw DOUBT;
    }
    return b[pos];
  }

  private void ws() {
    while (pos < end) {
      byte c = b[pos];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        return;
      }
      pos++;
    }
  }

  private void expect(char c) throws Doubt {
    if (pos >= end || b[pos] != c) {
      throw DOUBT;
    }
    pos++;
  }

  private void colon() throws Doubt {
    ws();
    expect(':');
    ws();
  }

  /** After '{': true if a member follows (positioned at its name), false after an empty '}'. */
  private boolean objectStart() throws Doubt {
    return containerStart('}');
  }

  /** After a member's value: true if another follows (positioned at its name), false after '}'. */
  private boolean nextMember() throws Doubt {
    return next('}');
  }

  /** After '[': true if an element follows (positioned at it), false after an empty ']'. */
  private boolean arrayStart() throws Doubt {
    return containerStart(']');
  }

  /** After an element: true if another follows (positioned at it), false after ']'. */
  private boolean nextElement() throws Doubt {
    return next(']');
  }

  private boolean containerStart(char close) throws Doubt {
    ws();
    if (peek() == close) {
      pos++;
      return false;
    }
    return true;
  }

  private boolean next(char close) throws Doubt {
    ws();
    byte c = peek();
    pos++;
    if (c == ',') {
      ws();
      return true;
    }
    if (c == close) {
      return false;
    }
    throw DOUBT;
  }

  /** Only whitespace may follow the root object. */
  private boolean trailer() {
    ws();
    return pos == end;
  }

  /** Reads a member name of the top level and tells which routing field it is. */
  private int fieldId() throws Doubt {
    string(MAX_NAME);
    if (!tokAscii) {
      return OTHER;
    }
    int n = tokEnd - tokStart;
    for (int id = 1; id < NAMES.length; id++) {
      if (NAMES[id].length == n && same(NAMES[id])) {
        return id;
      }
    }
    return OTHER;
  }

  /** Reads a member name and returns {@code a} or {@code other} if it is one of them, else null. */
  private byte[] nameOf(byte[] a, byte[] other) throws Doubt {
    return nameOf(a, other, null);
  }

  /** Reads a member name and returns whichever of the (non-null) names given it is, else null. */
  private byte[] nameOf(byte[] a, byte[] other, byte[] third) throws Doubt {
    string(MAX_NAME);
    if (tokAscii) {
      int n = tokEnd - tokStart;
      if (a.length == n && same(a)) {
        return a;
      }
      if (other != null && other.length == n && same(other)) {
        return other;
      }
      if (third != null && third.length == n && same(third)) {
        return third;
      }
    }
    return null;
  }

  private boolean same(byte[] name) {
    for (int i = 0; i < name.length; i++) {
      if (b[tokStart + i] != name[i]) {
        return false;
      }
    }
    return true;
  }

  /** A routing string: its text if the value is a string, else the value skipped and null. */
  private String stringOrSkip(int depth) throws Doubt {
    if (peek() == '"') {
      return stringText();
    }
    skipValue(depth);
    return null;
  }

  private String stringText() throws Doubt {
    string(MAX_TEXT);
    return new String(
        b,
        tokStart,
        tokEnd - tokStart,
        tokAscii ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
  }

  /**
   * Reads a string at pos (a '"') whose text is needed: no escapes, at most {@code max} bytes. Sets
   * tokStart/tokEnd to its contents and tokAscii.
   */
  private void string(int max) throws Doubt {
    expect('"');
    int start = pos;
    boolean ascii = true;
    while (true) {
      pos = plainRun(pos);
      byte c = peek();
      if (c == '"') {
        break;
      }
      if (c == '\\' || (c >= 0 && c < 0x20)) {
        throw DOUBT; // escapes are decoded by Jackson; raw control characters are errors there
      }
      if (c < 0) {
        ascii = false;
        utf8();
      } else {
        pos++;
      }
    }
    if (pos - start > max) {
      throw DOUBT;
    }
    tokStart = start;
    tokEnd = pos;
    tokAscii = ascii;
    pos++;
  }

  /** Skips a string at pos (a '"'), escapes and all, checking it as Jackson would accept it. */
  private void skipString() throws Doubt {
    pos++;
    while (true) {
      pos = plainRun(pos);
      byte c = peek();
      if (c == '"') {
        pos++;
        return;
      }
      if (c == '\\') {
        escape();
      } else if (c < 0) {
        utf8();
      } else {
        throw DOUBT; // a raw control character
      }
    }
  }

  /**
   * The end of the run of plain string bytes (printable ASCII but '"' and '\\') from {@code p}:
   * eight bytes per test, sixteen once the run goes on, then one byte at a time for the last few.
   */
  private int plainRun(int p) {
    byte[] a = b;
    int limit = end;
    while (p + 8 <= limit) {
      long special = special((long) LONGS.get(a, p));
      if (special != 0) {
        return p + (Long.numberOfTrailingZeros(special) >>> 3);
      }
      p += 8;
      while (p + 16 <= limit
          && (special((long) LONGS.get(a, p)) | special((long) LONGS.get(a, p + 8))) == 0) {
        p += 16; // a long run: sixteen bytes per test
      }
    }
    while (p < limit) {
      byte c = a[p];
      if (c < 0x20 || c == '"' || c == '\\') {
        break; // also every byte >= 0x80, which is negative
      }
      p++;
    }
    return p;
  }

  /**
   * A high bit for each byte of {@code x} that is >= 0x80, < 0x20, '"' or '\\' (the lowest marked
   * byte is exact; those above it may be false alarms, which only costs the slow loop). Per byte, a
   * subtraction that borrows sets the high bit: x - 0x20 for a byte below a space, (x ^ c) - 0x01
   * for a byte equal to c. Each counts only where the byte's own high bit was clear, and x ^ c has
   * the high bit of x (neither c has it), so one {@code & ~x} serves all three.
   */
  private static long special(long x) {
    return (x | ((x - SPACES) | ((x ^ QUOTES) - ONES) | ((x ^ BACKSLASHES) - ONES)) & ~x) & HIGHS;
  }

  private void escape() throws Doubt {
    pos++;
    byte c = peek();
    pos++;
    switch (c) {
      case '"':
      case '\\':
      case '/':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't':
        return;
      case 'u':
        for (int i = 0; i < 4; i++) {
          byte h = peek();
          if (!(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F')) {
            throw DOUBT;
          }
          pos++;
        }
        return;
      default:
        throw DOUBT;
    }
  }

  /** One well-formed UTF-8 sequence at pos (shortest form, no surrogates, at most U+10FFFF). */
  private void utf8() throws Doubt {
    int c0 = peek() & 0xFF;
    int n;
    int min;
    if (c0 >= 0xC2 && c0 <= 0xDF) {
      n = 1;
      min = 0x80;
    } else if (c0 >= 0xE0 && c0 <= 0xEF) {
      n = 2;
      min = 0x800;
    } else if (c0 >= 0xF0 && c0 <= 0xF4) {
      n = 3;
      min = 0x10000;
    } else {
      throw DOUBT;
    }
    int cp = c0 & (0x3F >> n);
    pos++;
    for (int i = 0; i < n; i++) {
      int c = peek() & 0xFF;
      if ((c & 0xC0) != 0x80) {
        throw DOUBT;
      }
      cp = cp << 6 | c & 0x3F;
      pos++;
    }
    if (cp < min || cp > 0x10FFFF || cp >= 0xD800 && cp <= 0xDFFF) {
      throw DOUBT;
    }
  }

  private static boolean isNumberStart(byte c) {
    return c == '-' || c >= '0' && c <= '9';
  }

  /**
   * Skips a number, checking its grammar; sets tokStart/tokEnd. Returns whether it is an integer
   * (no fraction, no exponent).
   */
  private boolean number() throws Doubt {
    int start = pos;
    if (peek() == '-') {
      pos++;
    }
    byte c = peek();
    if (c == '0') {
      pos++;
    } else if (c >= '1' && c <= '9') {
      digits();
    } else {
      throw DOUBT;
    }
    boolean integer = true;
    if (pos < end && b[pos] == '.') {
      pos++;
      integer = false;
      c = peek();
      if (c < '0' || c > '9') {
        throw DOUBT;
      }
      digits();
    }
    if (pos < end && (b[pos] == 'e' || b[pos] == 'E')) {
      pos++;
      integer = false;
      c = peek();
      if (c == '+' || c == '-') {
        pos++;
        c = peek();
      }
      if (c < '0' || c > '9') {
        throw DOUBT;
      }
      digits();
    }
    if (pos - start > 100) {
      throw DOUBT; // far below Jackson's limit on number length; let it judge
    }
    tokStart = start;
    tokEnd = pos;
    return integer;
  }

  private void digits() {
    while (pos < end && b[pos] >= '0' && b[pos] <= '9') {
      pos++;
    }
  }

  /** A number's value as Jackson's getDoubleValue gives it. */
  private double numberValue() throws Doubt {
    boolean integer = number();
    int n = tokEnd - tokStart;
    if (integer) {
      if (n > 18) {
        throw DOUBT; // beyond long: Jackson goes through BigInteger
      }
      long v = 0;
      int i = tokStart;
      boolean negative = b[i] == '-';
      if (negative) {
        i++;
      }
      for (; i < tokEnd; i++) {
        v = v * 10 + (b[i] - '0');
      }
      return negative ? -v : v; // "-0" is the int 0 there, so 0.0, as here
    }
    return Double.parseDouble(new String(b, tokStart, n, StandardCharsets.ISO_8859_1));
  }

  /** Skips any value at pos; {@code depth} is the nesting of the container holding it. */
  private void skipValue(int depth) throws Doubt {
    byte c = peek();
    switch (c) {
      case '"':
        skipString();
        return;
      case '{':
        if (depth + 1 >= maxDepth) {
          throw DOUBT;
        }
        pos++;
        if (objectStart()) {
          do {
            string(MAX_NAME);
            colon();
            skipValue(depth + 1);
          } while (nextMember());
        }
        return;
      case '[':
        if (depth + 1 >= maxDepth) {
          throw DOUBT;
        }
        pos++;
        if (arrayStart()) {
          do {
            skipValue(depth + 1);
          } while (nextElement());
        }
        return;
      case 't':
        literal("true");
        return;
      case 'f':
        literal("false");
        return;
      case 'n':
        literal("null");
        return;
      default:
        number();
    }
  }

  private void literal(String word) throws Doubt {
    for (int i = 0; i < word.length(); i++) {
      if (peek() != word.charAt(i)) {
        throw DOUBT;
      }
      pos++;
    }
  }
}
