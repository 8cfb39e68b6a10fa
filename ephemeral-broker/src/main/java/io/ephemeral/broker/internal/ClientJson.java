package io.ephemeral.broker.internal;

/**
 * What Jackson's byte parser would get wrong about JSON that clients send (request lines and
 * gateway frames), checked before it sees the bytes. JSON.parse, which the Node broker and ipc-bro
 * use, refuses all of these.
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
    // Jackson looks a member name up among the names it has seen by its bytes, the last four
    // padded with 0xFF, and decodes (so checks) only names it has not seen: "\xff\xffke" was
    // read as a "ke" seen before. 0xFF is never part of UTF-8.
    for (int i = off, end = off + len; i < end; i++) {
      if (b[i] == (byte) 0xFF) {
        return "a 0xFF byte, which is never part of UTF-8";
      }
    }
    return null;
  }
}
