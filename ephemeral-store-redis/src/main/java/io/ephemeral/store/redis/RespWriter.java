package io.ephemeral.store.redis;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.Arrays;

/**
 * Commands in Redis's wire format (RESP: an array of bulk strings per command), gathered in one
 * growing buffer and written out when the channel takes them: a loop turn's commands leave in one
 * write. Jedis writes only to a blocking stream of its own connection, so {@link
 * RedisLoopConnection} encodes with this instead.
 */
final class RespWriter {
  private static final byte[] CRLF = {'\r', '\n'};

  private byte[] buf = new byte[16 * 1024];
  private int start;
  private int end;

  /** Starts a command of {@code parts} arguments, its name included. */
  RespWriter command(int parts) {
    header('*', parts);
    return this;
  }

  /** One argument of the command. */
  RespWriter arg(byte[] value) {
    header('$', value.length);
    put(value, value.length);
    put(CRLF, 2);
    return this;
  }

  /** Whether nothing waits to be written. */
  boolean isEmpty() {
    return start == end;
  }

  /**
   * Writes as much as the channel takes.
   *
   * @return true when everything is written
   */
  boolean writeTo(WritableByteChannel channel) throws IOException {
    while (start < end) {
      int n = channel.write(ByteBuffer.wrap(buf, start, end - start));
      if (n == 0) {
        return false;
      }
      start += n;
    }
    start = 0;
    end = 0;
    return true;
  }

  /** Writes everything to a blocking stream (the connection's handshake). */
  void writeTo(OutputStream out) throws IOException {
    out.write(buf, start, end - start);
    out.flush();
    start = 0;
    end = 0;
  }

  private void header(char type, long n) {
    ensure(24);
    buf[end++] = (byte) type;
    if (n == 0) {
      buf[end++] = '0';
    } else {
      int digits = 0;
      for (long v = n; v > 0; v /= 10) {
        digits++;
      }
      for (int i = end + digits - 1; i >= end; i--) {
        buf[i] = (byte) ('0' + n % 10);
        n /= 10;
      }
      end += digits;
    }
    buf[end++] = '\r';
    buf[end++] = '\n';
  }

  private void put(byte[] b, int len) {
    ensure(len);
    System.arraycopy(b, 0, buf, end, len);
    end += len;
  }

  private void ensure(int more) {
    if (end + more <= buf.length) {
      return;
    }
    if (start > 0) {
      System.arraycopy(buf, start, buf, 0, end - start);
      end -= start;
      start = 0;
      if (end + more <= buf.length) {
        return;
      }
    }
    buf = Arrays.copyOf(buf, Math.max(buf.length * 2, end + more));
  }
}
