package io.ephemeral.protocol;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.Random;

/**
 * Seeded generator of JSON texts that exercise the corners of JSON.parse/JSON.stringify: escapes,
 * surrogates, array-index-like and duplicate keys, number spellings, whitespace. Also mutates texts
 * into (mostly) invalid ones, including ill-formed UTF-8. Never emits a '\n' byte unless asked to,
 * so documents can be sent to Node one per line.
 */
final class RandomJson {

  private static final String[] KEYS = {
    "0",
    "1",
    "2",
    "10",
    "01",
    "-1",
    "4294967294",
    "4294967295",
    "1.0",
    "",
    "a",
    "b",
    "hmac",
    "__proto__",
    "action",
    "key",
    "é",
    "😀",
    "\u2028",
    " 1",
    "00",
    "007",
  };

  private static final String[] NUMBERS = {
    "-0",
    "0.0",
    "-0.0",
    "0e0",
    "1e21",
    "1E21",
    "1e+21",
    "1e-7",
    "1.5e-7",
    "5e-324",
    "4.9e-324",
    "1e400",
    "-1e400",
    "1e-400",
    "1.7976931348623157e308",
    "123456789012345678901",
    "9007199254740993",
    "60000.0",
    "1E3",
    "2e23",
    "0.1",
    "100e-2",
    "999999999999999999999",
    "2.2250738585072014e-308",
  };

  // U+FDD0 is the marker Escapes.shield uses internally; it must survive like any character.
  private static final String[] SAMPLES = {
    "é", "漢", "😀", "e\u0301", "👨‍👩‍👧", "\uFDD0", "\\uFDD0", "\\ufdd0\\ud800",
  };

  private static final String[] SHORT_ESCAPES = {
    "\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t",
  };

  private static final byte[] NASTY_BYTES = {
    ',',
    ']',
    '}',
    '[',
    '{',
    ':',
    '"',
    '\\',
    ' ',
    '0',
    '.',
    'e',
    '-',
    '+',
    'x',
    0x00,
    0x1F,
    (byte) 0x80,
    (byte) 0xC3,
    (byte) 0xE2,
    (byte) 0xED,
    (byte) 0xF0,
    (byte) 0xFF,
  };

  private final Random random;
  private final boolean newlines;
  private final int maxDepth;

  RandomJson(long seed, boolean newlines, int maxDepth) {
    this.random = new Random(seed);
    this.newlines = newlines;
    this.maxDepth = maxDepth;
  }

  Random random() {
    return random;
  }

  /** A valid JSON text with any value at the top level. */
  String document() {
    StringBuilder out = new StringBuilder();
    ws(out);
    value(out, 0);
    ws(out);
    return out.toString();
  }

  /** A valid JSON text whose top-level value is an object. */
  String objectDocument() {
    StringBuilder out = new StringBuilder();
    ws(out);
    object(out, 0);
    ws(out);
    return out.toString();
  }

  /** Damages a document; the result is usually, not always, invalid. Adds no '\n' bytes. */
  byte[] mutate(byte[] in) {
    int kind = random.nextInt(7);
    int at = in.length == 0 ? 0 : random.nextInt(in.length);
    switch (kind) {
      case 0:
        if (in.length == 0) {
          return in;
        }
        return concat(slice(in, 0, at), slice(in, at + 1, in.length));
      case 1:
        return concat(
            slice(in, 0, at),
            new byte[] {NASTY_BYTES[random.nextInt(NASTY_BYTES.length)]},
            slice(in, at, in.length));
      case 2:
        return slice(in, 0, at);
      case 3:
        if (in.length == 0) {
          return in;
        }
        byte[] copy = in.clone();
        copy[at] = randomByte();
        return copy;
      case 4:
        {
          // Ill-formed UTF-8 inside a string where possible: Node replaces it, so often valid.
          int quote = indexOf(in, (byte) '"', at);
          int pos = quote < 0 ? at : quote + 1;
          byte[] junk = new byte[1 + random.nextInt(4)];
          for (int i = 0; i < junk.length; i++) {
            junk[i] = (byte) (0x80 + random.nextInt(0x80));
          }
          return concat(slice(in, 0, pos), junk, slice(in, pos, in.length));
        }
      case 5:
        {
          // A non-ASCII character in place of a hex digit of a unicode escape, chosen so that its
          // low byte is an ASCII hex digit (Jackson misreads those, JSON.parse rejects them).
          int escape = indexOf(in, (byte) '\\', at);
          if (escape < 0 || escape + 2 >= in.length || in[escape + 1] != 'u') {
            return concat(
                slice(in, 0, at),
                "\\u00".getBytes(UTF_8),
                "\u4f34".getBytes(UTF_8),
                slice(in, at, in.length));
          }
          char digit = "0123456789abcdefABCDEF".charAt(random.nextInt(22));
          char fake = (char) ((1 + random.nextInt(0xFE)) << 8 | digit);
          if (Character.isSurrogate(fake)) {
            fake = (char) (0x4F00 | digit);
          }
          byte[] replacement = String.valueOf(fake).getBytes(UTF_8);
          return concat(slice(in, 0, escape + 2), replacement, slice(in, escape + 3, in.length));
        }
      default:
        return concat(in, new byte[] {NASTY_BYTES[random.nextInt(NASTY_BYTES.length)]});
    }
  }

  /** A JSON number token in one of many spellings. */
  String number() {
    int kind = random.nextInt(10);
    if (kind < 2) {
      return NUMBERS[random.nextInt(NUMBERS.length)];
    }
    if (kind < 4) {
      double d;
      do {
        d = Double.longBitsToDouble(random.nextLong());
      } while (!Double.isFinite(d));
      return Double.toString(d);
    }
    StringBuilder out = new StringBuilder();
    if (random.nextBoolean()) {
      out.append('-');
    }
    if (random.nextInt(5) == 0) {
      out.append('0');
    } else {
      out.append((char) ('1' + random.nextInt(9)));
      digits(out, random.nextInt(random.nextBoolean() ? 4 : 25));
    }
    if (random.nextBoolean()) {
      out.append('.');
      digits(out, 1 + random.nextInt(random.nextBoolean() ? 3 : 20));
    }
    if (random.nextInt(3) == 0) {
      out.append(random.nextBoolean() ? 'e' : 'E');
      int sign = random.nextInt(3);
      if (sign > 0) {
        out.append(sign == 1 ? '+' : '-');
      }
      digits(out, 1 + random.nextInt(3));
    }
    return out.toString();
  }

  private void value(StringBuilder out, int depth) {
    int kind = random.nextInt(depth >= maxDepth ? 3 : 5);
    switch (kind) {
      case 0:
        string(out);
        break;
      case 1:
        out.append(number());
        break;
      case 2:
        out.append(random.nextInt(3) == 0 ? "true" : random.nextBoolean() ? "false" : "null");
        break;
      case 3:
        object(out, depth);
        break;
      default:
        array(out, depth);
    }
  }

  private void object(StringBuilder out, int depth) {
    out.append('{');
    int members = random.nextInt(7);
    for (int i = 0; i < members; i++) {
      if (i > 0) {
        out.append(',');
      }
      ws(out);
      if (random.nextInt(5) < 2) {
        String key = KEYS[random.nextInt(KEYS.length)];
        StringBuilder quoted = new StringBuilder();
        JsJson.quote(key, quoted);
        out.append(quoted);
      } else {
        string(out);
      }
      ws(out);
      out.append(':');
      ws(out);
      value(out, depth + 1);
      ws(out);
    }
    out.append('}');
  }

  private void array(StringBuilder out, int depth) {
    out.append('[');
    int elements = random.nextInt(7);
    for (int i = 0; i < elements; i++) {
      if (i > 0) {
        out.append(',');
      }
      ws(out);
      value(out, depth + 1);
      ws(out);
    }
    out.append(']');
  }

  private void string(StringBuilder out) {
    out.append('"');
    int units = random.nextInt(random.nextInt(4) == 0 ? 30 : 8);
    for (int i = 0; i < units; i++) {
      int kind = random.nextInt(20);
      if (kind < 8) {
        char c;
        do {
          c = (char) (0x20 + random.nextInt(0x5F));
        } while (c == '"' || c == '\\');
        out.append(c);
      } else if (kind < 10) {
        out.append(SHORT_ESCAPES[random.nextInt(SHORT_ESCAPES.length)]);
      } else if (kind < 13) {
        int unit;
        int range = random.nextInt(4);
        if (range == 0) {
          unit = 0xD800 + random.nextInt(0x800);
        } else if (range == 1) {
          unit = random.nextInt(0x20);
        } else {
          unit = random.nextInt(0x10000);
        }
        String hex = String.format("%04x", unit);
        out.append("\\u").append(random.nextBoolean() ? hex : hex.toUpperCase());
      } else if (kind < 15) {
        char c;
        do {
          c = (char) (0xA0 + random.nextInt(0x10000 - 0xA0));
        } while (Character.isSurrogate(c));
        out.append(c);
      } else if (kind < 16) {
        out.append("\u2028\u2029\u007f\u0080\ufeff".charAt(random.nextInt(5)));
      } else if (kind < 18) {
        out.appendCodePoint(0x10000 + random.nextInt(0x100000));
      } else {
        out.append(SAMPLES[random.nextInt(SAMPLES.length)]);
      }
    }
    out.append('"');
  }

  private void ws(StringBuilder out) {
    if (random.nextInt(10) < 7) {
      return;
    }
    int n = 1 + random.nextInt(3);
    String chars = newlines ? " \t\r\n" : " \t\r";
    for (int i = 0; i < n; i++) {
      out.append(chars.charAt(random.nextInt(chars.length())));
    }
  }

  private void digits(StringBuilder out, int n) {
    for (int i = 0; i < n; i++) {
      out.append((char) ('0' + random.nextInt(10)));
    }
  }

  private byte randomByte() {
    byte b;
    do {
      b = (byte) random.nextInt(256);
    } while (b == '\n' && !newlines);
    return b;
  }

  static byte[] utf8(String s) {
    return s.getBytes(UTF_8);
  }

  private static int indexOf(byte[] in, byte b, int from) {
    for (int i = from; i < in.length; i++) {
      if (in[i] == b) {
        return i;
      }
    }
    return -1;
  }

  private static byte[] slice(byte[] in, int from, int to) {
    return java.util.Arrays.copyOfRange(in, from, Math.max(from, to));
  }

  private static byte[] concat(byte[]... parts) {
    int size = 0;
    for (byte[] part : parts) {
      size += part.length;
    }
    byte[] out = new byte[size];
    int n = 0;
    for (byte[] part : parts) {
      System.arraycopy(part, 0, out, n, part.length);
      n += part.length;
    }
    return out;
  }
}
