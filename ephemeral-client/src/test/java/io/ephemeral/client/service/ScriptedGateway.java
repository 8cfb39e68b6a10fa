package io.ephemeral.client.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A fake gateway on a temporary socket for failure injection: every accepted connection queues its
 * frames for the test to read and answer by hand ({@link #accept}).
 */
final class ScriptedGateway implements AutoCloseable {
  static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  final Path dir;
  final Path socket;
  private final BlockingQueue<Peer> accepted = new LinkedBlockingQueue<>();
  private final List<Peer> peers = new CopyOnWriteArrayList<>();
  private ServerSocketChannel server;

  ScriptedGateway() throws IOException {
    this.dir = Files.createTempDirectory("svc-");
    this.socket = dir.resolve("gw.sock");
    start();
  }

  /** Listens (again) on the same path. */
  synchronized void start() throws IOException {
    ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    s.bind(UnixDomainSocketAddress.of(socket));
    server = s;
    Thread t =
        new Thread(
            () -> {
              try {
                while (true) {
                  SocketChannel ch = s.accept();
                  Peer p = new Peer(ch);
                  peers.add(p);
                  p.start();
                  accepted.add(p);
                }
              } catch (IOException e) {
                // server closed
              }
            },
            "test-gateway-accept");
    t.setDaemon(true);
    t.start();
  }

  /** Stops listening and closes every connection; the path is free again. */
  synchronized void stop() throws IOException {
    if (server != null) {
      server.close();
      server = null;
    }
    for (Peer p : peers) {
      p.close();
    }
    peers.clear();
    Files.deleteIfExists(socket);
  }

  /** The next accepted connection, or an AssertionError after the timeout. */
  Peer accept(Duration timeout) throws InterruptedException {
    Peer p = accepted.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (p == null) {
      throw new AssertionError("no connection within " + timeout);
    }
    return p;
  }

  /** The next accepted connection, or null if none comes within the timeout. */
  Peer pollAccept(Duration timeout) throws InterruptedException {
    return accepted.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** A client of this gateway that reconnects quickly and gives calls 30 s. */
  ServiceClient.Builder client(String name) {
    return ServiceClient.builder()
        .serviceName(name)
        .gateway(socket)
        .environment(java.util.Map.of())
        .timeout(Duration.ofSeconds(30))
        .reconnectDelay(Duration.ofMillis(20))
        .maxReconnectDelay(Duration.ofMillis(100));
  }

  /** {@link #ScriptedGateway()} for field initializers. */
  static ScriptedGateway open() {
    try {
      return new ScriptedGateway();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Runs {@code client.connect()} on another thread while playing the gateway's part. */
  Peer connect(ServiceClient client, Duration timeout) throws Exception {
    CompletableFuture<Void> done = CompletableFuture.runAsync(client::connect);
    Peer p = acceptRegistered(timeout);
    done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    return p;
  }

  /** Accepts a connection, reads its REGISTER and acknowledges it. */
  Peer acceptRegistered(Duration timeout) throws InterruptedException {
    Peer p = accept(timeout);
    p.read("REGISTER", timeout);
    p.send(obj("type", "REGISTER_ACK"));
    return p;
  }

  static ObjectNode obj(Object... kv) {
    ObjectNode o = NODES.objectNode();
    for (int i = 0; i < kv.length; i += 2) {
      o.set((String) kv[i], WireCodec.JSON.valueToTree(kv[i + 1]));
    }
    return o;
  }

  /**
   * A CALL of {@code method} as the gateway delivers it: {@code from} called it through itself
   * (chain from, from) at {@code depth}, due at {@code deadline}.
   */
  static ObjectNode call(
      String id, String from, String to, String method, long deadline, int depth) {
    return obj(
        "type",
        "CALL",
        "id",
        id,
        "from",
        from,
        "to",
        to,
        "method",
        method,
        "params",
        Map.of(),
        "context",
        obj("root", "root-1", "chain", List.of(from, from), "depth", depth, "deadline", deadline));
  }

  /** A RESPONSE answering {@code call}. */
  static ObjectNode response(JsonNode call, String status, Object dataOrError) {
    ObjectNode r =
        obj(
            "type", "RESPONSE",
            "id", call.get("id"),
            "from", call.get("to"),
            "to", call.get("from"),
            "status", status);
    r.set(status.equals("success") ? "data" : "error", WireCodec.JSON.valueToTree(dataOrError));
    r.set("context", call.get("context"));
    return r;
  }

  @Override
  public void close() throws IOException {
    stop();
    Files.deleteIfExists(dir);
  }
}
