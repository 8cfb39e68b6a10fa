package io.ephemeral.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** A bare line-level connection to a broker, for writing what the client never would. */
final class RawWire implements AutoCloseable {
  private final SocketChannel ch;
  private final ByteBuffer in = ByteBuffer.allocate(64 * 1024);

  RawWire(Path socket) throws IOException {
    ch = SocketChannel.open(StandardProtocolFamily.UNIX);
    ch.connect(UnixDomainSocketAddress.of(socket));
    in.flip();
  }

  /** Sends one line and returns the response line (without newline). */
  String call(String line) throws IOException {
    send(line);
    return readLine();
  }

  void send(String line) throws IOException {
    ByteBuffer out = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
    while (out.hasRemaining()) {
      ch.write(out);
    }
  }

  String readLine() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    while (true) {
      while (in.hasRemaining()) {
        byte b = in.get();
        if (b == '\n') {
          return line.toString(StandardCharsets.UTF_8);
        }
        line.write(b);
      }
      in.clear();
      int n = ch.read(in);
      in.flip();
      if (n < 0) {
        throw new IOException("connection closed by the broker");
      }
    }
  }

  @Override
  public void close() throws IOException {
    ch.close();
  }
}
