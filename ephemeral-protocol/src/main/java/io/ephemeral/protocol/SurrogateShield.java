package io.ephemeral.protocol;

/*
 * Lets Jackson read lone-surrogate escapes in member names, which JSON.parse accepts.
 * (Escapes are written here as in a Java string literal: \\ud800 is the six-character escape.)
 *
 * Jackson (2.22) accepts the escape \\ud800 in string values but rejects it in field names
 * ("Unexpected low surrogate in field name", "Broken surrogate pair in field name"), with no
 * feature to turn the check off. JavaScript strings are UTF-16 code unit sequences, so a name
 * like \\ud83d (a truncated emoji) is legal JSON for JSON.parse, and the Node broker verifies
 * signatures over such requests.
 *
 * When the text contains a lone-surrogate escape, shield() rewrites it before parsing:
 *
 *   lone-surrogate escape \\uDxxx ->  MARK followed by the four hex digits (upper case)
 *   MARK, raw or escaped         ->  MARK MARK
 *   everything else              ->  unchanged (valid surrogate-pair escapes stay escapes)
 *
 * and unshield() undoes it in every string the parser returns. MARK (U+FDD0, a noncharacter) is
 * always doubled when it stands for itself, so the encoding is unambiguous. Escapes only occur
 * inside strings in valid JSON; outside strings both the original and the rewritten text are
 * invalid, so validity is preserved. This is a rewrite of escape sequences, not a JSON tokenizer:
 * Jackson still parses every document.
 */
final class SurrogateShield {

  static final char MARK = '\uFDD0';

  private SurrogateShield() {}

  /** The rewritten text, or null if {@code in[0, len)} has no lone-surrogate escape. */
  static char[] shield(char[] in, int len) {
    if (!hasSurrogateEscape(in, len)) {
      return null;
    }
    StringBuilder out = new StringBuilder(len + 16);
    boolean lone = false;
    int i = 0;
    while (i < len) {
      char c = in[i];
      if (c == MARK) {
        out.append(MARK).append(MARK);
        i++;
        continue;
      }
      if (c != '\\') {
        out.append(c);
        i++;
        continue;
      }
      int value = unicodeEscape(in, i, len);
      if (value < 0) {
        // Another escape (\" \\ \n ...) or a malformed one: copy both characters, so that an
        // escaped backslash is never mistaken for the start of a unicode escape.
        out.append(c);
        if (i + 1 < len) {
          out.append(in[i + 1]);
        }
        i += 2;
        continue;
      }
      if (Character.isHighSurrogate((char) value)) {
        int next = unicodeEscape(in, i + 6, len);
        if (next >= 0 && Character.isLowSurrogate((char) next)) {
          out.append(in, i, 12);
          i += 12;
          continue;
        }
      }
      if (Character.isSurrogate((char) value)) {
        lone = true;
        out.append(MARK);
        for (int shift = 12; shift >= 0; shift -= 4) {
          out.append(Character.toUpperCase(Character.forDigit((value >> shift) & 0xF, 16)));
        }
      } else if (value == MARK) {
        out.append(MARK).append(MARK);
      } else {
        out.append(in, i, 6);
      }
      i += 6;
    }
    if (!lone) {
      return null;
    }
    char[] result = new char[out.length()];
    out.getChars(0, result.length, result, 0);
    return result;
  }

  /** Reverses {@link #shield} in one decoded string. */
  static String unshield(String s) {
    int at = s.indexOf(MARK);
    if (at < 0) {
      return s;
    }
    StringBuilder out = new StringBuilder(s.length());
    out.append(s, 0, at);
    int i = at;
    int len = s.length();
    while (i < len) {
      char c = s.charAt(i);
      if (c != MARK) {
        out.append(c);
        i++;
      } else if (s.charAt(i + 1) == MARK) {
        out.append(MARK);
        i += 2;
      } else {
        out.append((char) Integer.parseInt(s, i + 1, i + 5, 16));
        i += 5;
      }
    }
    return out.toString();
  }

  private static boolean hasSurrogateEscape(char[] in, int len) {
    for (int i = 0; i + 5 < len; i++) {
      if (in[i] == '\\' && in[i + 1] == 'u' && (in[i + 2] == 'd' || in[i + 2] == 'D')) {
        char third = in[i + 3];
        if ((third >= '8' && third <= '9') || (third >= 'a' && third <= 'f')
            || (third >= 'A' && third <= 'F')) {
          return true;
        }
      }
    }
    return false;
  }

  /** The value of a well-formed backslash-u-XXXX escape starting at {@code i}, else -1. */
  private static int unicodeEscape(char[] in, int i, int len) {
    if (i + 6 > len || in[i] != '\\' || in[i + 1] != 'u') {
      return -1;
    }
    int value = 0;
    for (int k = i + 2; k < i + 6; k++) {
      int digit = Character.digit(in[k], 16);
      if (digit < 0 || in[k] > 'f') {
        return -1;
      }
      value = (value << 4) | digit;
    }
    return value;
  }
}
