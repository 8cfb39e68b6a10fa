package io.ephemeral.store.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A connection to Redis's Unix socket, as the {@link Socket} Jedis reads and writes through.
 *
 * <p>Implementation notes. The JDK reaches Unix sockets only through {@link SocketChannel}, whose
 * {@code socket()} view is not available for them, and Jedis wants a {@code Socket} with a read
 * timeout (its {@code setSoTimeout}, which a blocking channel does not honour). So the channel is
 * non-blocking and waits in a selector of its own: a read that finds nothing waits up to the
 * timeout and then throws {@link SocketTimeoutException}, as a TCP socket's read does; a write that
 * finds the socket full waits for room the same way. One thread uses a connection at a time (Jedis
 * takes it from its pool), so the streams keep no locks. Only what Jedis calls is implemented; TCP
 * options do not apply and are accepted and ignored.
 */
final class UnixSocket extends Socket {
  private final Path path;
  private final SocketChannel channel;
  private final Selector selector;
  private final SelectionKey key;
  private volatile int timeoutMillis;
  private volatile boolean closed;
  private boolean inputShut;
  private boolean outputShut;
  private final InputStream in = new In();
  private final OutputStream out = new Out();

  private UnixSocket(Path path, SocketChannel channel, Selector selector, SelectionKey key)
      throws SocketException {
    super((java.net.SocketImpl) null);
    this.path = path;
    this.channel = channel;
    this.selector = selector;
    this.key = key;
  }

  /**
   * Connects to the Unix socket at {@code path}; reads then time out after {@code timeoutMillis}
   * (0: never).
   *
   * @throws IOException when nothing listens there or the connection is refused
   */
  static UnixSocket connect(Path path, int timeoutMillis) throws IOException {
    SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    Selector selector = null;
    try {
      // A Unix socket connects at once or fails at once (no handshake to wait for).
      channel.connect(UnixDomainSocketAddress.of(path));
      channel.configureBlocking(false);
      selector = Selector.open();
      SelectionKey key = channel.register(selector, 0);
      UnixSocket socket = new UnixSocket(path, channel, selector, key);
      socket.timeoutMillis = timeoutMillis;
      return socket;
    } catch (IOException | RuntimeException e) {
      if (selector != null) {
        selector.close();
      }
      channel.close();
      throw e;
    }
  }

  /**
   * The connection's channel, non-blocking, for a caller that takes it over (the event loop's own
   * connection): this socket's selector is closed, and the socket must not be used any more.
   */
  SocketChannel takeChannel() throws IOException {
    selector.close();
    return channel;
  }

  /**
   * Waits until the channel is ready for {@code op}, at most the read timeout. A socket closed
   * meanwhile (by the pool, from another thread) or an interrupted thread ends the wait with an
   * {@link IOException}, as a blocked TCP read would end.
   */
  private void await(int op, String what) throws IOException {
    int timeout = timeoutMillis;
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeout);
    try {
      key.interestOps(op);
      while (true) {
        long left = timeout == 0 ? 0 : TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (timeout != 0 && left <= 0) {
          throw new SocketTimeoutException(what + " timed out after " + timeout + " ms");
        }
        selector.selectedKeys().clear();
        if (selector.select(timeout == 0 ? 0 : Math.max(1, left)) > 0) {
          return;
        }
        if (closed) {
          throw new SocketException("Socket closed");
        }
        if (Thread.currentThread().isInterrupted()) {
          throw new InterruptedIOException(what + " interrupted");
        }
      }
    } catch (ClosedSelectorException | CancelledKeyException e) {
      throw new SocketException("Socket closed");
    }
  }

  private final class In extends InputStream {
    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      ByteBuffer into = ByteBuffer.wrap(b, off, len);
      while (true) {
        int n = channel.read(into);
        if (n != 0) {
          return n;
        }
        await(SelectionKey.OP_READ, "Read from " + path);
      }
    }
  }

  private final class Out extends OutputStream {
    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      ByteBuffer from = ByteBuffer.wrap(b, off, len);
      while (from.hasRemaining()) {
        if (channel.write(from) == 0) {
          await(SelectionKey.OP_WRITE, "Write to " + path);
        }
      }
    }
  }

  @Override
  public InputStream getInputStream() throws IOException {
    if (closed) {
      throw new SocketException("Socket is closed");
    }
    return in;
  }

  @Override
  public OutputStream getOutputStream() throws IOException {
    if (closed) {
      throw new SocketException("Socket is closed");
    }
    return out;
  }

  @Override
  public void setSoTimeout(int timeout) throws SocketException {
    if (timeout < 0) {
      throw new IllegalArgumentException("timeout < 0");
    }
    timeoutMillis = timeout;
  }

  @Override
  public int getSoTimeout() {
    return timeoutMillis;
  }

  @Override
  public boolean isConnected() {
    return true;
  }

  @Override
  public boolean isBound() {
    return true;
  }

  @Override
  public boolean isClosed() {
    return closed;
  }

  @Override
  public boolean isInputShutdown() {
    return inputShut;
  }

  @Override
  public boolean isOutputShutdown() {
    return outputShut;
  }

  @Override
  public void shutdownInput() throws IOException {
    channel.shutdownInput();
    inputShut = true;
  }

  @Override
  public void shutdownOutput() throws IOException {
    channel.shutdownOutput();
    outputShut = true;
  }

  @Override
  public void close() throws IOException {
    closed = true;
    try {
      selector.close();
    } finally {
      channel.close();
    }
  }

  // TCP options: nothing to set on a Unix socket.

  @Override
  public void setTcpNoDelay(boolean on) {}

  @Override
  public void setKeepAlive(boolean on) {}

  @Override
  public void setSoLinger(boolean on, int linger) {}

  @Override
  public void setReuseAddress(boolean on) {}

  @Override
  public String toString() {
    return "UnixSocket[" + path + (closed ? ", closed" : "") + "]";
  }
}
