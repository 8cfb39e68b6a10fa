package io.ephemeral.broker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A raw protocol peer for tests: writes bytes, reads response lines. Blocking, one thread. */
public final class WireClient implements AutoCloseable {
  private final SocketChannel channel;
  private final ByteBuffer in = ByteBuffer.allocate(1 << 16);
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();

  public WireClient(Path socket) throws IOException {
    channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    channel.connect(UnixDomainSocketAddress.of(socket));
    in.flip();
  }

  /** Sends one line and returns the response line. */
  public String call(String json) throws IOException {
    send(json + "\n");
    return readLine();
  }

  public void send(String text) throws IOException {
    send(text.getBytes(StandardCharsets.UTF_8));
  }

  public void send(byte[] bytes) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(bytes);
    while (b.hasRemaining()) {
      channel.write(b);
    }
  }

  /**
   * Writes without blocking until the peer stops taking data or {@code limit} bytes are written;
   * returns how many bytes went out. Shows backpressure: a broker that stops reading fills the
   * socket buffer and further writes are refused.
   */
  public long sendUntilRefused(byte[] chunk, long limit) throws IOException {
    channel.configureBlocking(false);
    try {
      long total = 0;
      ByteBuffer b = ByteBuffer.wrap(chunk);
      int idleRounds = 0;
      while (total < limit && idleRounds < 200) {
        if (!b.hasRemaining()) {
          b.rewind();
        }
        int n = channel.write(b);
        if (n == 0) {
          idleRounds++;
          Thread.onSpinWait();
          continue;
        }
        idleRounds = 0;
        total += n;
      }
      return total;
    } finally {
      channel.configureBlocking(true);
    }
  }

  /** The next response line without its newline, or null at end of stream. */
  public String readLine() throws IOException {
    line.reset();
    while (true) {
      while (in.hasRemaining()) {
        byte c = in.get();
        if (c == '\n') {
          return line.toString(StandardCharsets.UTF_8);
        }
        line.write(c);
      }
      in.clear();
      int n = channel.read(in);
      in.flip();
      if (n < 0) {
        return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
      }
    }
  }

  /** Whether a whole response line can be read now, without waiting for the broker. */
  public boolean lineReady() throws IOException {
    for (int i = in.position(); i < in.limit(); i++) {
      if (in.get(i) == '\n') {
        return true;
      }
    }
    in.compact();
    channel.configureBlocking(false);
    try {
      channel.read(in);
    } finally {
      channel.configureBlocking(true);
      in.flip();
    }
    for (int i = in.position(); i < in.limit(); i++) {
      if (in.get(i) == '\n') {
        return true;
      }
    }
    return false;
  }

  public List<String> readLines(int count) throws IOException {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      lines.add(readLine());
    }
    return lines;
  }

  public void shutdownOutput() throws IOException {
    channel.shutdownOutput();
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
