package io.ephemeral.broker;

import java.io.ByteArrayOutputStream;

/**
 * Keys as bytes without losing JavaScript strings that are not valid Unicode: a lone surrogate
 * (sent as a JSON unicode escape such as backslash-u-d800) is encoded as its own 3-byte sequence
 * (WTF-8) instead of being replaced by a question mark, so two keys that differ only in their
 * lone surrogates stay different, and {@link ByteOutput#jsonString} writes them back as the
 * same escapes.
 */
final class Wtf8 {
  private Wtf8() {}

  static byte[] encode(String s) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length() + 8);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        out.write(c);
      } else if (c < 0x800) {
        out.write(0xC0 | (c >> 6));
        out.write(0x80 | (c & 0x3F));
      } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        int cp = Character.toCodePoint(c, s.charAt(++i));
        out.write(0xF0 | (cp >> 18));
        out.write(0x80 | ((cp >> 12) & 0x3F));
        out.write(0x80 | ((cp >> 6) & 0x3F));
        out.write(0x80 | (cp & 0x3F));
      } else {
        // Any other BMP character, lone surrogates included.
        out.write(0xE0 | (c >> 12));
        out.write(0x80 | ((c >> 6) & 0x3F));
        out.write(0x80 | (c & 0x3F));
      }
    }
    return out.toByteArray();
  }

  /** True if b[i] starts an encoded lone surrogate (ED A0..BF xx). */
  static boolean isSurrogateAt(byte[] b, int i, int end) {
    return (b[i] & 0xFF) == 0xED && i + 2 < end && (b[i + 1] & 0xE0) == 0xA0;
  }

  /** The UTF-16 unit of the encoded surrogate at b[i]. */
  static int surrogateAt(byte[] b, int i) {
    return 0xD000 | ((b[i + 1] & 0x3F) << 6) | (b[i + 2] & 0x3F);
  }
}
