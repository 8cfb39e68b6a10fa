package io.ephemeral.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * One raw, blocking connection speaking KV lines: exactly what goes on the wire, no client library
 * in between (no retries, no reconnects), so a test sees every close and every answer.
 */
final class Line implements AutoCloseable {
  private final SocketChannel channel;
  private final ByteBuffer in = ByteBuffer.allocate(64 * 1024);
  private final StringBuilder pending = new StringBuilder();

  Line(Path socket) {
    try {
      channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
    } catch (IOException e) {
      throw new UncheckedIOException("connect " + socket, e);
    }
    in.flip();
  }

  /** Writes {@code text} completely (blocking). */
  void send(String text) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
    while (b.hasRemaining()) {
      channel.write(b);
    }
  }

  /** The next response line without its newline, or null at end of stream. */
  String readLine() throws IOException {
    while (true) {
      while (in.hasRemaining()) {
        byte b = in.get();
        if (b == '\n') {
          String line = pending.toString();
          pending.setLength(0);
          return line;
        }
        pending.append((char) (b & 0xFF)); // the tests' answers are ASCII
      }
      in.clear();
      int n = channel.read(in);
      in.flip();
      if (n < 0) {
        return null;
      }
    }
  }

  /** Sends one request line and returns its answer. */
  String call(String json) throws IOException {
    send(json + "\n");
    String answer = readLine();
    if (answer == null) {
      throw new IOException("the broker closed the connection instead of answering " + json);
    }
    return answer;
  }

  /** The broker's clock from a {@code ping} answer. */
  static long pong(String answer) {
    return number(answer, "pong");
  }

  /** The integer member {@code name} of a flat JSON answer. */
  static long number(String answer, String name) {
    String marker = "\"" + name + "\":";
    int at = answer.indexOf(marker);
    if (at < 0) {
      throw new AssertionError("no " + name + " in " + answer);
    }
    int from = at + marker.length();
    int to = from;
    while (to < answer.length()
        && (Character.isDigit(answer.charAt(to)) || answer.charAt(to) == '-')) {
      to++;
    }
    return Long.parseLong(answer.substring(from, to));
  }

  SocketChannel channel() {
    return channel;
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException ignored) {
      // closing a test connection: nothing to report
    }
  }
}
