package io.ephemeral.client.service;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ValueType;

/**
 * One end of a raw gateway connection in a test (the gateway's side in a scripted gateway, a peer's
 * side against the real one): reads frames on a daemon thread and queues them for {@link #read};
 * writes frames in either encoding.
 */
final class Peer implements AutoCloseable {
  /** One frame as received: its raw body and the decoded message. */
  record Frame(byte[] body, JsonNode message) {
    boolean isJson() {
      return body.length > 0 && body[0] == '{';
    }

    /** The MessagePack format of each scalar value of a MessagePack body, by dotted path. */
    Map<String, MessageFormat> formats() throws IOException {
      Map<String, MessageFormat> out = new HashMap<>();
      try (MessageUnpacker u = MessagePack.newDefaultUnpacker(body)) {
        walk(u, "", out);
      }
      return out;
    }

    private static void walk(MessageUnpacker u, String path, Map<String, MessageFormat> out)
        throws IOException {
      MessageFormat f = u.getNextFormat();
      if (f.getValueType() == ValueType.MAP) {
        int n = u.unpackMapHeader();
        for (int i = 0; i < n; i++) {
          String key = u.unpackString();
          walk(u, path.isEmpty() ? key : path + "." + key, out);
        }
      } else if (f.getValueType() == ValueType.ARRAY) {
        int n = u.unpackArrayHeader();
        for (int i = 0; i < n; i++) {
          walk(u, path + "[" + i + "]", out);
        }
      } else {
        out.put(path, f);
        u.skipValue();
      }
    }
  }

  private final SocketChannel channel;
  private final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
  private final CountDownLatch closed = new CountDownLatch(1);
  volatile Serializer encoding = Serializer.JSON;

  Peer(SocketChannel channel) {
    this.channel = channel;
  }

  void start() {
    Thread t = new Thread(this::readLoop, "test-peer");
    t.setDaemon(true);
    t.start();
  }

  private void readLoop() {
    try {
      while (true) {
        ByteBuffer header = ByteBuffer.allocate(4);
        readFully(header);
        ByteBuffer body = ByteBuffer.allocate(header.getInt(0));
        readFully(body);
        byte[] bytes = body.array();
        Frame f = new Frame(bytes, WireCodec.decode(bytes));
        encoding = f.isJson() ? Serializer.JSON : Serializer.MSGPACK;
        frames.add(f);
      }
    } catch (IOException | RuntimeException e) {
      close();
    }
  }

  private void readFully(ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      if (channel.read(b) < 0) {
        throw new EOFException();
      }
    }
  }

  /** The next frame, or an AssertionError after the timeout. */
  Frame read(Duration timeout) throws InterruptedException {
    Frame f = frames.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (f == null) {
      throw new AssertionError("no frame within " + timeout);
    }
    return f;
  }

  /** The next frame of the given type, skipping others (e.g. heartbeats). */
  Frame read(String type, Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = end - System.nanoTime();
      Frame f = frames.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
      if (f == null) {
        throw new AssertionError("no " + type + " frame within " + timeout);
      }
      if (type.equals(f.message().path("type").asText())) {
        return f;
      }
    }
  }

  void send(JsonNode message) {
    send(message, encoding);
  }

  void send(JsonNode message, Serializer serializer) {
    try {
      sendRaw(WireCodec.encode(message, serializer));
    } catch (IOException e) {
      close();
    }
  }

  synchronized void sendRaw(byte[] body) {
    ByteBuffer[] frame = {ByteBuffer.allocate(4).putInt(0, body.length), ByteBuffer.wrap(body)};
    try {
      while (frame[1].hasRemaining()) {
        channel.write(frame);
      }
    } catch (IOException e) {
      close();
    }
  }

  /** Writes bytes as they are, without a frame header (partial or malformed frames). */
  synchronized void sendBytes(byte[] bytes) {
    ByteBuffer b = ByteBuffer.wrap(bytes);
    try {
      while (b.hasRemaining()) {
        channel.write(b);
      }
    } catch (IOException e) {
      close();
    }
  }

  boolean awaitClosed(Duration timeout) throws InterruptedException {
    return closed.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  boolean isClosed() {
    return closed.getCount() == 0;
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException ignored) {
      // closing
    }
    closed.countDown();
  }
}
