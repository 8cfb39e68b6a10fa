package io.ephemeral.broker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;

/** A raw gateway peer for tests: sends frames, reads frames (JSON or MessagePack bodies). */
public final class FrameClient implements AutoCloseable {
  public static final ObjectMapper JSON = new ObjectMapper();
  private final SocketChannel channel;

  public FrameClient(Path socket) {
    try {
      channel = SocketChannel.open(StandardProtocolFamily.UNIX);
      channel.connect(UnixDomainSocketAddress.of(socket));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Sends a JSON body (the text as given). */
  public void sendJson(String json) {
    sendBody(json.getBytes(StandardCharsets.UTF_8));
  }

  public void sendBody(byte[] body) {
    ByteBuffer b = ByteBuffer.allocate(4 + body.length);
    b.putInt(body.length).put(body).flip();
    sendRaw(b);
  }

  public void sendRaw(byte[] bytes) {
    sendRaw(ByteBuffer.wrap(bytes));
  }

  private void sendRaw(ByteBuffer b) {
    try {
      while (b.hasRemaining()) {
        channel.write(b);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The next frame's body, or null at end of stream. */
  public byte[] readBody() {
    ByteBuffer header = ByteBuffer.allocate(4);
    if (!fill(header)) {
      return null;
    }
    ByteBuffer body = ByteBuffer.allocate(header.flip().getInt());
    if (!fill(body)) {
      throw new IllegalStateException("stream ended inside a frame");
    }
    return body.array();
  }

  /** The next frame decoded as a tree (MessagePack bodies converted to JSON). */
  public JsonNode read() {
    return decode(readBody());
  }

  /**
   * Like {@link #read()}, but fails instead of allocating when the header announces more than 1
   * MiB: what a peer that is not speaking frames (a JSON line read as a length) would send.
   */
  public JsonNode readSmall() {
    ByteBuffer header = ByteBuffer.allocate(4);
    if (!fill(header)) {
      return null;
    }
    int size = header.flip().getInt();
    if (size < 0 || size > 1 << 20) {
      throw new IllegalStateException(
          "not a frame: header " + Integer.toHexString(size) + " announces " + size + " bytes");
    }
    ByteBuffer body = ByteBuffer.allocate(size);
    if (!fill(body)) {
      throw new IllegalStateException("stream ended inside a frame");
    }
    return decode(body.array());
  }

  /** Whether the last frame decoded had a JSON body (else MessagePack). */
  public boolean lastBodyWasJson() {
    return lastJson;
  }

  private boolean lastJson;

  private JsonNode decode(byte[] body) {
    if (body == null) {
      return null;
    }
    lastJson = body.length > 0 && body[0] == '{';
    try {
      if (body.length > 0 && body[0] == '{') {
        return JSON.readTree(body);
      }
      try (MessageUnpacker u = MessagePack.newDefaultUnpacker(body)) {
        return JSON.readTree(u.unpackValue().toJson());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** True if the gateway closed the connection (reads end of stream within a few seconds). */
  public boolean closedByPeer() {
    return readBody() == null;
  }

  private boolean fill(ByteBuffer b) {
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (b.hasRemaining()) {
        if (channel.read(b) < 0) {
          return false;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("no frame within 10 s");
        }
      }
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Registers this connection as {@code name}; fails unless the gateway acknowledges. */
  public void registerAs(String name, String... methods) {
    sendJson(register(name, methods));
    String type = read().get("type").asText();
    if (!type.equals("REGISTER_ACK")) {
      throw new IllegalStateException("expected REGISTER_ACK for " + name + ", got " + type);
    }
  }

  public static String register(String name, String... methods) {
    StringBuilder m = new StringBuilder();
    for (String method : methods) {
      m.append(m.length() == 0 ? "" : ",").append('"').append(method).append('"');
    }
    return "{\"type\":\"REGISTER\",\"serviceName\":\""
        + name
        + "\",\"methods\":["
        + m
        + "],\"version\":\"1.0.0\",\"metadata\":{}}";
  }

  public static String call(
      String id, String from, String to, String method, String params, long deadline, int depth) {
    return "{\"type\":\"CALL\",\"id\":\""
        + id
        + "\",\"from\":\""
        + from
        + "\",\"to\":\""
        + to
        + "\",\"method\":\""
        + method
        + "\",\"params\":"
        + params
        + ",\"context\":{\"root\":\"root-1\",\"chain\":[\""
        + from
        + "\",\""
        + from
        + "\"],\"depth\":"
        + depth
        + ",\"deadline\":"
        + deadline
        + "}}";
  }

  public static String response(String id, String from, String to, String data) {
    return "{\"type\":\"RESPONSE\",\"id\":\""
        + id
        + "\",\"from\":\""
        + from
        + "\",\"to\":\""
        + to
        + "\",\"status\":\"success\",\"data\":"
        + data
        + ",\"context\":{\"root\":\"root-1\",\"chain\":[],\"depth\":2,\"deadline\":0}}";
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException ignored) {
      // test cleanup
    }
  }
}
