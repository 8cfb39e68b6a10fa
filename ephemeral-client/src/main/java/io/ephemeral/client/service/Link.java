package io.ephemeral.client.service;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/*
 * Implementation notes.
 *
 * One connection to the gateway: a blocking SocketChannel and one daemon reader thread that cuts
 * length-prefixed frames and hands each decoded message to the owner. The reader never writes
 * (so it can never wait on a peer that waits on us); writers serialize on `writeLock` and write a
 * frame's header and body with one gathering write loop, so frames never interleave.
 *
 * close() is idempotent and reports the closure to the owner exactly once, with the first cause
 * (null for a deliberate close). `closed` is set before the owner hears of it, so an owner that
 * checks isClosed() under its own lock and then installs the link cannot miss the closure.
 */
final class Link {
  /** Receives what a link reads. Called on the link's reader thread. */
  interface Owner {
    void onMessage(Link link, JsonNode message);

    void onUndecodable(Link link, Exception error);

    void onClosed(Link link, Throwable cause);
  }

  final int index;
  final CompletableFuture<Void> registration = new CompletableFuture<>();
  private final SocketChannel channel;
  private final Owner owner;
  private final int maxFrameSize;
  private final Object writeLock = new Object();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread reader;

  private Link(int index, SocketChannel channel, Owner owner, int maxFrameSize, String name) {
    this.index = index;
    this.channel = channel;
    this.owner = owner;
    this.maxFrameSize = maxFrameSize;
    this.reader = new Thread(this::readLoop, name);
    reader.setDaemon(true);
  }

  /** Connects to the gateway and starts reading. */
  static Link open(Path gateway, int index, Owner owner, int maxFrameSize, String threadName)
      throws IOException {
    SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      ch.connect(UnixDomainSocketAddress.of(gateway));
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
    Link link = new Link(index, ch, owner, maxFrameSize, threadName);
    link.reader.start();
    return link;
  }

  boolean isClosed() {
    return closed.get();
  }

  /** Writes one frame. On failure the link is closed and the error rethrown. */
  void send(byte[] body) throws IOException {
    ByteBuffer header = ByteBuffer.allocate(4).putInt(0, body.length);
    ByteBuffer payload = ByteBuffer.wrap(body);
    ByteBuffer[] frame = {header, payload};
    try {
      synchronized (writeLock) {
        if (closed.get()) {
          throw new IOException("Connection closed");
        }
        while (payload.hasRemaining()) {
          channel.write(frame);
        }
      }
    } catch (IOException e) {
      close(e);
      throw e;
    }
  }

  /** Closes the connection; the owner hears of it once, with the first cause. */
  void close(Throwable cause) {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      channel.close();
    } catch (IOException ignored) {
      // nothing left to release
    }
    registration.completeExceptionally(
        new ServiceException(
            ServiceException.CONNECTION_FAILED,
            "Connection closed before registration" + (cause == null ? "" : ": " + cause.getMessage()),
            cause));
    owner.onClosed(this, cause);
  }

  private void readLoop() {
    ByteBuffer header = ByteBuffer.allocate(4);
    try {
      while (true) {
        header.clear();
        readFully(header);
        long length = Integer.toUnsignedLong(header.getInt(0));
        if (length > maxFrameSize) {
          throw new IOException(
              "Frame of " + length + " bytes exceeds the maximum of " + maxFrameSize + " bytes");
        }
        ByteBuffer body = ByteBuffer.allocate((int) length);
        readFully(body);
        JsonNode message;
        try {
          message = WireCodec.decode(body.array());
        } catch (IOException | RuntimeException e) {
          owner.onUndecodable(this, e);
          continue;
        }
        owner.onMessage(this, message);
      }
    } catch (IOException | RuntimeException e) {
      close(closed.get() ? null : e);
    }
  }

  private void readFully(ByteBuffer buffer) throws IOException {
    while (buffer.hasRemaining()) {
      if (channel.read(buffer) < 0) {
        throw new EOFException("Connection closed by the gateway");
      }
    }
  }

  @Override
  public String toString() {
    return "Link#" + index + (closed.get() ? " (closed)" : "");
  }
}
