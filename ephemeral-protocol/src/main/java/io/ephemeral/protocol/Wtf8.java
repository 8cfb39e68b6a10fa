package io.ephemeral.protocol;

import java.io.ByteArrayOutputStream;

/**
 * Keys and names as bytes without losing JavaScript strings that are not valid Unicode: a lone
 * surrogate (sent as a JSON unicode escape such as backslash-u-d800) is encoded as its own 3-byte
 * sequence (WTF-8) instead of being replaced by a question mark, so two keys that differ only in
 * their lone surrogates stay different, in the broker's memory and in a shared store alike, and are
 * written back as the same escapes.
 */
public final class Wtf8 {
  private Wtf8() {}

  /** The WTF-8 bytes of {@code s}: UTF-8, with each lone surrogate as its own 3-byte sequence. */
  public static byte[] encode(String s) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length() + 8);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        out.write(c);
      } else if (c < 0x800) {
        out.write(0xC0 | (c >> 6));
        out.write(0x80 | (c & 0x3F));
      } else if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
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
  public static boolean isSurrogateAt(byte[] b, int i, int end) {
    return (b[i] & 0xFF) == 0xED && i + 2 < end && (b[i + 1] & 0xE0) == 0xA0;
  }

  /** The UTF-16 unit of the encoded surrogate at b[i]. */
  public static int surrogateAt(byte[] b, int i) {
    return 0xD000 | ((b[i + 1] & 0x3F) << 6) | (b[i + 2] & 0x3F);
  }

  /** The inverse of {@link #encode} (input is always something encode produced). */
  public static String decode(byte[] b) {
    StringBuilder s = new StringBuilder(b.length);
    int i = 0;
    while (i < b.length) {
      int c = b[i] & 0xFF;
      if (c < 0x80) {
        s.append((char) c);
        i++;
      } else if (c < 0xE0) {
        s.append((char) (((c & 0x1F) << 6) | (b[i + 1] & 0x3F)));
        i += 2;
      } else if (c < 0xF0) {
        s.append((char) (((c & 0x0F) << 12) | ((b[i + 1] & 0x3F) << 6) | (b[i + 2] & 0x3F)));
        i += 3;
      } else {
        int cp =
            ((c & 0x07) << 18)
                | ((b[i + 1] & 0x3F) << 12)
                | ((b[i + 2] & 0x3F) << 6)
                | (b[i + 3] & 0x3F);
        s.appendCodePoint(cp);
        i += 4;
      }
    }
    return s.toString();
  }
}
