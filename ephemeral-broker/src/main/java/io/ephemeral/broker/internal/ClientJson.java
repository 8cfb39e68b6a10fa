package io.ephemeral.broker.internal;

/**
 * What Jackson's byte parser would get wrong about JSON that clients send (request lines and
 * gateway frames), checked before it sees the bytes: an encoding guessed from the first bytes, and
 * ill-formed UTF-8. JSON.parse, which the Node broker and ipc-bro use, refuses the first; the
 * second it would read as U+FFFD, which the broker refuses instead, so that what it stores,
 * verifies and executes is always the same text.
 */
final class ClientJson {
  private ClientJson() {}

  /** Why these bytes are refused before parsing, or null when Jackson may read them. */
  static String refusal(byte[] b, int off, int len) {
    // Jackson guesses the encoding from the first bytes: it skips a UTF-8 byte order mark and
    // reads UTF-16 or UTF-32 where it sees NUL bytes (and words its errors with offsets into our
    // buffer). Valid UTF-8 JSON starts with ASCII and never holds a raw NUL.
    if (len > 0 && b[off] < 0) {
      return "a byte order mark or other non-ASCII byte at the start";
    }
    for (int i = off, end = off + Math.min(len, 4); i < end; i++) {
      if (b[i] == 0) {
        return "a NUL byte at the start";
      }
    }
    // Ill-formed UTF-8 is refused whole, before anything reads it. Jackson checks only the text it
    // decodes: a value is kept as raw bytes (and was stored and returned ill-formed), the HMAC
    // verifier decodes ill-formed bytes to U+FFFD (so one signature covered two different keys),
    // and Jackson looks a member name up by its bytes, the last four padded with 0xFF, so
    // "\xff\xffke" was read as a "ke" seen before.
    int bad = io.ephemeral.protocol.Utf8.illFormedAt(b, off, len);
    if (bad >= 0) {
      return "ill-formed UTF-8 at byte " + (bad - off);
    }
    return null;
  }
}
