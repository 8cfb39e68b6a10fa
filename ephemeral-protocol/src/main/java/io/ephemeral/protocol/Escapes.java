package io.ephemeral.protocol;

/*
 * A pass over the escape sequences of a document before Jackson parses it, for two places where
 * Jackson (2.22) and JSON.parse disagree about escapes. (Escapes are written here as in a Java
 * string literal: \\ud800 is the six-character JSON escape.)
 *
 * 1. Hex digits. Jackson's char-based parser decodes each digit of \\uXXXX with a table lookup
 *    on the low byte of the character (CharTypes.charToHex: ch & 0xFF), so a non-ASCII character
 *    whose low byte is an ASCII hex digit is taken as that digit: \\u000 followed by U+4F34
 *    reads as U+0004. JSON.parse rejects it. check() rejects any unicode escape not followed by four ASCII
 *    hex digits before Jackson sees it.
 *
 * 2. Lone surrogates in member names. Jackson accepts \\ud800 in string values but rejects it
 *    in field names ("Unexpected low surrogate in field name", "Broken surrogate pair in field
 *    name"), with no feature to turn the check off. JavaScript strings are UTF-16 code unit
 *    sequences, so a name like \\ud83d (a truncated emoji) is legal for JSON.parse, and the Node
 *    broker verifies signatures over such requests. When the text has a lone-surrogate escape,
 *    shield() rewrites it before parsing:
 *
 *      lone-surrogate escape \\uDxxx ->  MARK followed by the four hex digits (upper case)
 *      MARK, raw or escaped          ->  MARK MARK
 *      everything else               ->  unchanged (surrogate-pair escapes stay escapes)
 *
 *    and unshield() undoes it in every string the parser returns. MARK (U+FDD0, a noncharacter)
 *    is always doubled when it stands for itself, so the encoding is unambiguous.
 *
 * Why scanning escapes without tracking strings is sound: in valid JSON a backslash occurs only
 * inside strings, where it always starts an escape, so reading the text left to right and
 * consuming every backslash with the character after it (six characters for \\u) lands on the
 * same escapes as a JSON parser. Outside strings a backslash makes the text invalid, before and
 * after any rewrite. This is not a JSON tokenizer: Jackson still parses every document.
 */
final class Escapes {

  static final char MARK = '\uFDD0';

  private Escapes() {}

  /**
   * Checks that every unicode escape in {@code in[0, len)} has four ASCII hex digits.
   *
   * @return whether any unicode escape denotes a surrogate (then {@link #shield} may be needed)
   * @throws JsJsonException on a malformed unicode escape
   */
  static boolean check(char[] in, int len) {
    boolean surrogate = false;
    for (int i = 0; i < len; i++) {
      if (in[i] != '\\') {
        continue;
      }
      if (i + 1 < len && in[i + 1] == 'u') {
        int value = unicodeEscape(in, i, len);
        if (value < 0) {
          throw new JsJsonException(
              "invalid JSON: unicode escape without four hex digits at character " + i);
        }
        surrogate |= Character.isSurrogate((char) value);
        i += 5;
      } else {
        i++; // the escaped character, so that an escaped backslash is not read as a new escape
      }
    }
    return surrogate;
  }

  /**
   * The rewritten text, or null if {@code in[0, len)} has no lone-surrogate escape. Call only after
   * {@link #check} returned true.
   */
  static char[] shield(char[] in, int len) {
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

  /** The value of a well-formed backslash-u-XXXX escape starting at {@code i}, else -1. */
  private static int unicodeEscape(char[] in, int i, int len) {
    if (i + 6 > len || in[i] != '\\' || in[i + 1] != 'u') {
      return -1;
    }
    int value = 0;
    for (int k = i + 2; k < i + 6; k++) {
      int digit = hexDigit(in[k]);
      if (digit < 0) {
        return -1;
      }
      value = (value << 4) | digit;
    }
    return value;
  }

  /**
   * The value of an ASCII hex digit, or -1 for any other character (Character.digit would also take
   * fullwidth and other digits).
   */
  static int hexDigit(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }
}
