package io.ephemeral.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A scripted peer on a Unix socket: the test accepts connections and reads and writes lines itself,
 * to inject failures the real broker never produces.
 */
final class FakeBroker implements AutoCloseable {
  final Path dir;
  final Path socket;
  private final ServerSocketChannel server;
  private final BlockingQueue<Conn> accepted = new LinkedBlockingQueue<>();
  private final Thread acceptor;

  FakeBroker() throws IOException {
    dir = Files.createTempDirectory("ebf-");
    socket = dir.resolve("f.sock");
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    acceptor = new Thread(this::acceptLoop, "fake-broker-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** A client of this peer, without the environment's settings. */
  BrokerClient.Builder client() {
    return BrokerFixture.clientOf(socket);
  }

  private void acceptLoop() {
    try {
      while (true) {
        accepted.add(new Conn(server.accept()));
      }
    } catch (IOException closed) {
      // server closed
    }
  }

  /** The next accepted connection, waiting up to 10 s. */
  Conn accept() throws InterruptedException {
    return within10s(accepted, "the client did not connect");
  }

  /** The next element of {@code queue} within 10 s; else fails with {@code otherwise}. */
  private static <T> T within10s(BlockingQueue<T> queue, String otherwise)
      throws InterruptedException {
    T next = queue.poll(10, TimeUnit.SECONDS);
    if (next == null) {
      throw new AssertionError(otherwise);
    }
    return next;
  }

  /** A connection accepted within {@code wait}, or null. */
  Conn acceptWithin(Duration wait) throws InterruptedException {
    return accepted.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() throws IOException {
    server.close();
    Conn c;
    while ((c = accepted.poll()) != null) {
      c.close();
    }
    Files.deleteIfExists(socket);
    Files.deleteIfExists(dir);
  }

  /** One accepted connection; lines are read on a background thread into a queue. */
  static final class Conn implements AutoCloseable {
    private final SocketChannel ch;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final java.util.concurrent.CountDownLatch peerClosed =
        new java.util.concurrent.CountDownLatch(1);

    Conn(SocketChannel ch) {
      this.ch = ch;
      Thread t = new Thread(this::readLoop, "fake-broker-conn");
      t.setDaemon(true);
      t.start();
    }

    private void readLoop() {
      ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      try {
        while (ch.read(buf) >= 0) {
          buf.flip();
          while (buf.hasRemaining()) {
            byte b = buf.get();
            if (b == '\n') {
              lines.add(line.toString(StandardCharsets.UTF_8));
              line.reset();
            } else {
              line.write(b);
            }
          }
          buf.clear();
        }
      } catch (IOException closed) {
        // connection closed
      }
      peerClosed.countDown();
    }

    /** Waits up to 10 s for the client to close this connection. */
    void awaitClosedByClient() throws InterruptedException {
      if (!peerClosed.await(10, TimeUnit.SECONDS)) {
        throw new AssertionError("the client did not close the connection");
      }
    }

    /** The next request line, waiting up to 10 s. */
    String readLine() throws InterruptedException {
      return within10s(lines, "no request line arrived");
    }

    /** A request line received within {@code wait}, or null. */
    String pollLine(Duration wait) throws InterruptedException {
      return lines.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    void write(String line) throws IOException {
      ByteBuffer out = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
      while (out.hasRemaining()) {
        ch.write(out);
      }
    }

    @Override
    public void close() throws IOException {
      ch.close();
    }
  }
}
