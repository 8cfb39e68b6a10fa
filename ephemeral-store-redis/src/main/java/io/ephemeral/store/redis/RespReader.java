package io.ephemeral.store.redis;

import java.io.IOException;
import java.io.InputStream;
import java.net.ProtocolException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * Redis's replies (RESP2) read from whatever has arrived: {@link #next} returns a complete reply or
 * {@link #INCOMPLETE}, never blocks. Replies come as Jedis returns them to the store's decoders (a
 * Long, a byte[] for bulk and status strings, a List for arrays, null for nil, a {@link
 * JedisDataException} for an error), so both ways to Redis share the decoding.
 *
 * <p>Whether the next reply is complete is found by a scan that goes on where it stopped when more
 * bytes arrive (it keeps the elements still due of each array it is in); the reply is parsed once,
 * when complete. A {@code list} of a million items arrives in hundreds of reads, and parsing it
 * again from its start after each would scan gigabytes on the event loop.
 */
final class RespReader {
  /** What {@link #next} returns while the next reply has not fully arrived. */
  static final Object INCOMPLETE = new Object();

  private byte[] buf = new byte[64 * 1024];
  private int start;
  private int end;
  private int pos;

  /** Where the completeness scan of the next reply stopped, or -1 before it started. */
  private int scanAt = -1;

  /** Per array the scan is in (outermost first), its elements still to come. */
  private long[] due = new long[8];

  private int depth;

  /**
   * Reads what the channel has, at most the free room of the buffer.
   *
   * @return the bytes read, -1 at the end of the stream
   */
  int readFrom(ReadableByteChannel channel) throws IOException {
    makeRoom();
    int n = channel.read(ByteBuffer.wrap(buf, end, buf.length - end));
    if (n > 0) {
      end += n;
    }
    return n;
  }

  /** Reads from a blocking stream (the connection's handshake); -1 at the end of the stream. */
  int readFrom(InputStream in) throws IOException {
    makeRoom();
    int n = in.read(buf, end, buf.length - end);
    if (n > 0) {
      end += n;
    }
    return n;
  }

  /** Whether the last read filled the buffer (more may be waiting in the socket). */
  boolean full() {
    return end == buf.length;
  }

  /**
   * The next complete reply, or {@link #INCOMPLETE}.
   *
   * @throws ProtocolException when the bytes are not RESP (the connection is then unusable)
   */
  Object next() throws ProtocolException {
    if (!scanned()) {
      return INCOMPLETE;
    }
    scanAt = -1;
    pos = start;
    Object reply = parse();
    if (reply != INCOMPLETE) {
      start = pos;
    }
    return reply;
  }

  private void makeRoom() {
    if (start == end) {
      if (scanAt >= 0) {
        scanAt = 0; // it stopped where the bytes end
      }
      start = 0;
      end = 0;
    }
    if (buf.length - end >= 4096) {
      return;
    }
    if (start > 0) {
      System.arraycopy(buf, start, buf, 0, end - start);
      end -= start;
      if (scanAt >= 0) {
        scanAt -= start;
      }
      start = 0;
    }
    if (buf.length - end < 4096) {
      buf = Arrays.copyOf(buf, buf.length * 2); // a reply larger than the buffer
    }
  }

  /** Whether the next reply has arrived in full; scans on from where it stopped last time. */
  private boolean scanned() throws ProtocolException {
    if (scanAt < 0) {
      scanAt = start;
      depth = 1;
      due[0] = 1; // the reply itself
    }
    while (depth > 0) {
      if (scanAt >= end) {
        return false;
      }
      int lineEnd = lineEnd(scanAt + 1);
      if (lineEnd < 0) {
        return false;
      }
      byte type = buf[scanAt];
      switch (type) {
        case '+', '-', ':' -> {
          scanAt = lineEnd + 2;
          elementDone();
        }
        case '$' -> {
          long len = number(scanAt + 1, lineEnd);
          if (len >= 0 && end - (lineEnd + 2) < len + 2) {
            return false;
          }
          scanAt = lineEnd + 2 + (len < 0 ? 0 : (int) len + 2);
          elementDone();
        }
        case '*' -> {
          long n = number(scanAt + 1, lineEnd);
          scanAt = lineEnd + 2;
          if (n <= 0) {
            elementDone();
          } else {
            if (depth == due.length) {
              due = Arrays.copyOf(due, depth * 2);
            }
            due[depth++] = n; // done when its elements are
          }
        }
        default ->
            throw new ProtocolException(
                "Redis sent a reply of unknown type '" + (char) (type & 0xff) + "'");
      }
    }
    return true;
  }

  /** An element ended: so does every array whose last element it was. */
  private void elementDone() {
    while (depth > 0 && --due[depth - 1] == 0) {
      depth--;
    }
  }

  private Object parse() throws ProtocolException {
    if (pos >= end) {
      return INCOMPLETE;
    }
    byte type = buf[pos];
    int lineStart = pos + 1;
    int lineEnd = lineEnd(lineStart);
    if (lineEnd < 0) {
      return INCOMPLETE;
    }
    pos = lineEnd + 2;
    switch (type) {
      case '+':
        return Arrays.copyOfRange(buf, lineStart, lineEnd);
      case '-':
        return error(new String(buf, lineStart, lineEnd - lineStart, StandardCharsets.UTF_8));
      case ':':
        return number(lineStart, lineEnd);
      case '$':
        {
          long len = number(lineStart, lineEnd);
          if (len < 0) {
            return null;
          }
          if (end - pos < len + 2) {
            return INCOMPLETE;
          }
          byte[] value = Arrays.copyOfRange(buf, pos, pos + (int) len);
          pos += (int) len + 2;
          return value;
        }
      case '*':
        {
          long n = number(lineStart, lineEnd);
          if (n < 0) {
            return null;
          }
          List<Object> items = new ArrayList<>((int) Math.min(n, 1024));
          for (long i = 0; i < n; i++) {
            Object item = parse();
            if (item == INCOMPLETE) {
              return INCOMPLETE;
            }
            items.add(item);
          }
          return items;
        }
      default:
        throw new ProtocolException(
            "Redis sent a reply of unknown type '" + (char) (type & 0xff) + "'");
    }
  }

  /** Where the line starting at {@code from} ends (its CR), or -1 if its end has not arrived. */
  private int lineEnd(int from) {
    for (int i = from; i + 1 < end; i++) {
      if (buf[i] == '\r' && buf[i + 1] == '\n') {
        return i;
      }
    }
    return -1;
  }

  private long number(int from, int to) throws ProtocolException {
    boolean negative = from < to && buf[from] == '-';
    int i = negative ? from + 1 : from;
    if (i >= to) {
      throw new ProtocolException("Redis sent an empty number");
    }
    long v = 0;
    for (; i < to; i++) {
      int d = buf[i] - '0';
      if (d < 0 || d > 9) {
        throw new ProtocolException("Redis sent a malformed number");
      }
      v = v * 10 + d;
    }
    return negative ? -v : v;
  }

  /** An error reply as the exception Jedis would have thrown for it. */
  static JedisDataException error(String message) {
    if (message.startsWith("NOSCRIPT")) {
      return new JedisNoScriptException(message);
    }
    if (message.startsWith("NOPERM")
        || message.startsWith("WRONGPASS")
        || message.startsWith("NOAUTH")) {
      return new JedisAccessControlException(message);
    }
    return new JedisDataException(message);
  }
}
