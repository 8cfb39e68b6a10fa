package io.ephemeral.broker.internal;

import io.ephemeral.broker.ActionRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A connection's pending output: responses are appended here and written to the socket once per
 * loop turn, so N pipelined requests cost about one {@code write}. Also the writer of the JSON
 * fragments responses are made of (no intermediate strings on the hot path).
 */
final class ByteOutput {
  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] TRUE = "true".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] FALSE = "false".getBytes(StandardCharsets.US_ASCII);

  /** "00" to "99": the two characters of i at [2i, 2i+1]. */
  private static final byte[] DIGIT_PAIRS = new byte[200];

  static {
    for (int i = 0; i < 100; i++) {
      DIGIT_PAIRS[2 * i] = (byte) ('0' + i / 10);
      DIGIT_PAIRS[2 * i + 1] = (byte) ('0' + i % 10);
    }
  }

  private static final int INITIAL = 512;
  private static final byte[] EMPTY = new byte[0];

  private byte[] buf = EMPTY;
  private int start; // first byte not yet written to the socket
  private int end; // one past the last appended byte
  private ByteBuffer view; // reused wrapper over buf for channel writes

  /** Where the capacity held is counted (a connection's output), or null (scratch buffers). */
  private MemoryBudget budget;

  /** Counts this buffer's capacity in {@code budget} from now on (null: no longer). */
  void track(MemoryBudget budget) {
    if (this.budget != null) {
      this.budget.add(MemoryBudget.Part.OUTPUT, -buf.length);
    }
    this.budget = budget;
    if (budget != null) {
      budget.add(MemoryBudget.Part.OUTPUT, buf.length);
    }
  }

  int size() {
    return end - start;
  }

  boolean isEmpty() {
    return end == start;
  }

  /** A mark that survives compaction: bytes pending so far. */
  int mark() {
    return end - start;
  }

  /** Drops everything appended after {@code mark} (a response that failed half-way). */
  void truncate(int mark) {
    end = start + mark;
  }

  /** Overwrites 4 bytes at a {@link #mark()} with a big-endian int (a frame's length prefix). */
  void putIntAt(int mark, int value) {
    int i = start + mark;
    buf[i] = (byte) (value >>> 24);
    buf[i + 1] = (byte) (value >>> 16);
    buf[i + 2] = (byte) (value >>> 8);
    buf[i + 3] = (byte) value;
  }

  /** Appends a big-endian int. */
  ByteOutput writeInt(int value) {
    ensure(4);
    buf[end++] = (byte) (value >>> 24);
    buf[end++] = (byte) (value >>> 16);
    buf[end++] = (byte) (value >>> 8);
    buf[end++] = (byte) value;
    return this;
  }

  /** Capacity held, so idle connections can give large buffers back. */
  int capacity() {
    return buf.length;
  }

  byte[] toByteArray() {
    return Arrays.copyOfRange(buf, start, end);
  }

  void clear() {
    start = 0;
    end = 0;
  }

  /** Drops the buffer entirely (idle connections should not pin large arrays). */
  void release() {
    if (budget != null) {
      budget.add(MemoryBudget.Part.OUTPUT, -buf.length);
    }
    buf = EMPTY;
    view = null;
    start = 0;
    end = 0;
  }

  private void ensure(int more) {
    if (end + more <= buf.length) {
      return;
    }
    int live = end - start;
    if (start > 0 && live + more <= buf.length) {
      System.arraycopy(buf, start, buf, 0, live);
    } else {
      int cap = Math.max(INITIAL, buf.length);
      while (cap < live + more) {
        cap = cap << 1;
        if (cap <= 0) {
          throw new OutOfMemoryError("response buffer would exceed 2 GiB");
        }
      }
      byte[] next = new byte[cap];
      System.arraycopy(buf, start, next, 0, live);
      if (budget != null) {
        budget.add(MemoryBudget.Part.OUTPUT, next.length - buf.length);
      }
      buf = next;
      view = null;
    }
    start = 0;
    end = live;
  }

  ByteOutput write(byte b) {
    ensure(1);
    buf[end++] = b;
    return this;
  }

  ByteOutput write(byte[] bytes) {
    return write(bytes, 0, bytes.length);
  }

  ByteOutput write(byte[] bytes, int off, int len) {
    ensure(len);
    System.arraycopy(bytes, off, buf, end, len);
    end += len;
    return this;
  }

  /** ASCII-only text such as member names and numbers. */
  ByteOutput ascii(String s) {
    int n = s.length();
    ensure(n);
    for (int i = 0; i < n; i++) {
      buf[end++] = (byte) s.charAt(i);
    }
    return this;
  }

  ByteOutput number(long v) {
    if (v == Long.MIN_VALUE) {
      return ascii(Long.toString(v));
    }
    ensure(20);
    if (v < 0) {
      buf[end++] = '-';
      v = -v;
    }
    int digits = 1;
    for (long bound = 10; digits < 19 && v >= bound; bound *= 10) {
      digits++;
    }
    int pos = end + digits;
    end = pos;
    // Two digits per division: a millisecond timestamp (ping) takes 7 divisions instead of 26.
    while (v >= 100) {
      long q = v / 100;
      int r = (int) (v - q * 100) << 1;
      buf[--pos] = DIGIT_PAIRS[r + 1];
      buf[--pos] = DIGIT_PAIRS[r];
      v = q;
    }
    if (v >= 10) {
      int r = (int) v << 1;
      buf[--pos] = DIGIT_PAIRS[r + 1];
      buf[--pos] = DIGIT_PAIRS[r];
    } else {
      buf[--pos] = (byte) ('0' + v);
    }
    return this;
  }

  ByteOutput bool(boolean v) {
    return write(v ? TRUE : FALSE);
  }

  /** Already valid JSON member text (from {@link ActionRequest#annotate}), appended as UTF-8. */
  ByteOutput jsonMembers(String members) {
    return write(members.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * A JSON string from UTF-8 (or {@link io.ephemeral.protocol.Wtf8}) bytes: escapes quote,
   * backslash and control characters, and writes encoded lone surrogates back as JSON unicode
   * escapes.
   */
  ByteOutput jsonString(byte[] utf8, int off, int len) {
    ensure(len + 2);
    buf[end++] = '"';
    int runStart = off;
    int stop = off + len;
    for (int i = off; i < stop; i++) {
      int c = utf8[i] & 0xff;
      if (c >= 0x20 && c != '"' && c != '\\' && c != 0xED) {
        continue;
      }
      if (c == 0xED && !io.ephemeral.protocol.Wtf8.isSurrogateAt(utf8, i, stop)) {
        continue;
      }
      write(utf8, runStart, i - runStart);
      if (c == 0xED) {
        int unit = io.ephemeral.protocol.Wtf8.surrogateAt(utf8, i);
        ensure(6);
        buf[end++] = '\\';
        buf[end++] = 'u';
        for (int shift = 12; shift >= 0; shift -= 4) {
          buf[end++] = HEX[(unit >> shift) & 0xF];
        }
        i += 2;
      } else {
        escape(c);
      }
      runStart = i + 1;
    }
    write(utf8, runStart, stop - runStart);
    return write((byte) '"');
  }

  ByteOutput jsonString(String s) {
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    return jsonString(utf8, 0, utf8.length);
  }

  private void escape(int c) {
    ensure(6);
    buf[end++] = '\\';
    switch (c) {
      case '"':
        buf[end++] = '"';
        break;
      case '\\':
        buf[end++] = '\\';
        break;
      case '\n':
        buf[end++] = 'n';
        break;
      case '\r':
        buf[end++] = 'r';
        break;
      case '\t':
        buf[end++] = 't';
        break;
      case '\b':
        buf[end++] = 'b';
        break;
      case '\f':
        buf[end++] = 'f';
        break;
      default:
        buf[end++] = 'u';
        buf[end++] = '0';
        buf[end++] = '0';
        buf[end++] = HEX[c >> 4];
        buf[end++] = HEX[c & 0xf];
    }
  }

  /** Writes as much as the channel takes; returns true when everything is written. */
  boolean writeTo(WritableByteChannel channel) throws IOException {
    if (end == start) {
      return true;
    }
    if (view == null) {
      view = ByteBuffer.wrap(buf);
    }
    view.limit(end).position(start);
    channel.write(view);
    start = view.position();
    if (start == end) {
      start = 0;
      end = 0;
      return true;
    }
    return false;
  }
}
