package io.ephemeral.protocol;

/*
 * UTF-8 conversions that behave like Node's Buffer <-> string conversions rather than the JDK's.
 *
 * Decoding: Node (V8) replaces every "maximal subpart" of an ill-formed sequence with one U+FFFD,
 * as the WHATWG Encoding Standard's UTF-8 decoder specifies. The JDK decoder groups some invalid
 * sequences differently (for example E0 80 80 yields fewer replacement characters), which would
 * change the canonical bytes an HMAC is computed over. So decode() is a direct transcription of
 * the WHATWG algorithm, with an ASCII fast path.
 *
 * Encoding: Node encodes a lone surrogate as EF BF BD (U+FFFD); String.getBytes(UTF_8) writes '?'.
 * Only secrets go through encode(): canonical JSON never contains a lone surrogate unescaped.
 *
 * Checking: illFormedAt() accepts exactly the well-formed sequences of the Unicode Standard's
 * Table 3-7 (shortest form, no surrogates, at most U+10FFFF): the same byte ranges decode() walks,
 * so decode() replaces nothing in a range it accepts. The broker refuses anything else before
 * its parser, its HMAC verifier or its store sees the bytes.
 */

/** UTF-8 decoding, encoding and checking with Node's rules (see the notes above). */
public final class Utf8 {

  private static final char REPLACEMENT = '\uFFFD';

  private Utf8() {}

  /**
   * Decodes {@code len} bytes starting at {@code off} into {@code out}, which must hold at least
   * {@code len} chars (no UTF-8 input decodes to more UTF-16 units than it has bytes).
   *
   * @return the number of chars written
   */
  static int decode(byte[] in, int off, int len, char[] out) {
    int end = off + len;
    int i = off;
    int n = 0;
    while (i < end && in[i] >= 0) {
      out[n++] = (char) in[i++];
    }
    int needed = 0;
    int seen = 0;
    int codePoint = 0;
    int lower = 0x80;
    int upper = 0xBF;
    while (i < end) {
      int b = in[i] & 0xFF;
      if (needed == 0) {
        i++;
        if (b < 0x80) {
          out[n++] = (char) b;
        } else if (b >= 0xC2 && b <= 0xDF) {
          needed = 1;
          codePoint = b & 0x1F;
        } else if (b >= 0xE0 && b <= 0xEF) {
          if (b == 0xE0) {
            lower = 0xA0;
          } else if (b == 0xED) {
            upper = 0x9F;
          }
          needed = 2;
          codePoint = b & 0x0F;
        } else if (b >= 0xF0 && b <= 0xF4) {
          if (b == 0xF0) {
            lower = 0x90;
          } else if (b == 0xF4) {
            upper = 0x8F;
          }
          needed = 3;
          codePoint = b & 0x07;
        } else {
          out[n++] = REPLACEMENT;
        }
        continue;
      }
      if (b < lower || b > upper) {
        // The incomplete sequence so far becomes one U+FFFD; this byte is read again as a start.
        needed = 0;
        seen = 0;
        codePoint = 0;
        lower = 0x80;
        upper = 0xBF;
        out[n++] = REPLACEMENT;
        continue;
      }
      i++;
      lower = 0x80;
      upper = 0xBF;
      codePoint = (codePoint << 6) | (b & 0x3F);
      if (++seen == needed) {
        if (codePoint >= 0x10000) {
          out[n++] = Character.highSurrogate(codePoint);
          out[n++] = Character.lowSurrogate(codePoint);
        } else {
          out[n++] = (char) codePoint;
        }
        needed = 0;
        seen = 0;
        codePoint = 0;
      }
    }
    if (needed != 0) {
      out[n++] = REPLACEMENT;
    }
    return n;
  }

  /**
   * Where {@code b[off, off+len)} stops being well-formed UTF-8: the index of the first byte of the
   * first ill-formed or truncated sequence (an overlong form, a surrogate, a code point above
   * U+10FFFF, a byte F5..FF, a stray continuation byte), or -1 if the whole range is well-formed.
   */
  public static int illFormedAt(byte[] b, int off, int len) {
    int end = off + len;
    int i = off;
    while (i < end) {
      int c = b[i];
      if (c >= 0) {
        i++;
        continue;
      }
      c &= 0xFF;
      int needed;
      int lower = 0x80;
      int upper = 0xBF;
      if (c >= 0xC2 && c <= 0xDF) {
        needed = 1;
      } else if (c >= 0xE0 && c <= 0xEF) {
        needed = 2;
        if (c == 0xE0) {
          lower = 0xA0; // shorter forms would be overlong
        } else if (c == 0xED) {
          upper = 0x9F; // ED A0..BF would encode a surrogate
        }
      } else if (c >= 0xF0 && c <= 0xF4) {
        needed = 3;
        if (c == 0xF0) {
          lower = 0x90;
        } else if (c == 0xF4) {
          upper = 0x8F; // beyond U+10FFFF
        }
      } else {
        return i; // a continuation byte alone, C0/C1 (overlong) or F5..FF
      }
      if (end - i <= needed) {
        return i;
      }
      int second = b[i + 1] & 0xFF;
      if (second < lower || second > upper) {
        return i;
      }
      for (int k = 2; k <= needed; k++) {
        if ((b[i + k] & 0xC0) != 0x80) {
          return i;
        }
      }
      i += needed + 1;
    }
    return -1;
  }

  /** Encodes like Node's {@code Buffer.from(s, 'utf8')}: a lone surrogate becomes U+FFFD. */
  static byte[] encode(CharSequence s) {
    int len = s.length();
    byte[] out = new byte[len * 3];
    int n = 0;
    for (int i = 0; i < len; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        out[n++] = (byte) c;
      } else if (c < 0x800) {
        out[n++] = (byte) (0xC0 | (c >> 6));
        out[n++] = (byte) (0x80 | (c & 0x3F));
      } else if (Character.isHighSurrogate(c)
          && i + 1 < len
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        int cp = Character.toCodePoint(c, s.charAt(++i));
        out[n++] = (byte) (0xF0 | (cp >> 18));
        out[n++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
        out[n++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
        out[n++] = (byte) (0x80 | (cp & 0x3F));
      } else {
        char e = Character.isSurrogate(c) ? REPLACEMENT : c;
        out[n++] = (byte) (0xE0 | (e >> 12));
        out[n++] = (byte) (0x80 | ((e >> 6) & 0x3F));
        out[n++] = (byte) (0x80 | (e & 0x3F));
      }
    }
    return n == out.length ? out : java.util.Arrays.copyOf(out, n);
  }
}
