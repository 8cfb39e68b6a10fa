package io.ephemeral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ephemeral.broker.Broker;
import io.ephemeral.cli.Cli.Result;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** brokerctl services and services --graph against a broker with real gateway peers. */
class ServicesCommandTest {
  @TempDir Path dir;

  private Broker broker;
  private Path pipe;
  private final List<SocketChannel> peers = new ArrayList<>();

  @BeforeEach
  void start() throws IOException {
    broker =
        Broker.builder()
            .environment(Map.of())
            .shutdownHook(false)
            .socketPath(dir.resolve("g.sock"))
            .build();
    pipe = broker.start();
  }

  @AfterEach
  void stop() throws IOException {
    for (SocketChannel p : peers) {
      p.close();
    }
    broker.stop();
  }

  private SocketChannel peer() throws IOException {
    SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
    c.connect(UnixDomainSocketAddress.of(pipe));
    peers.add(c);
    return c;
  }

  private static void send(SocketChannel c, String json) throws IOException {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).flip();
    while (b.hasRemaining()) {
      c.write(b);
    }
  }

  private static String read(SocketChannel c) throws IOException {
    ByteBuffer header = ByteBuffer.allocate(4);
    while (header.hasRemaining()) {
      if (c.read(header) < 0) {
        throw new IOException("closed");
      }
    }
    ByteBuffer body = ByteBuffer.allocate(header.flip().getInt());
    while (body.hasRemaining()) {
      c.read(body);
    }
    return new String(body.array(), StandardCharsets.UTF_8);
  }

  private SocketChannel service(String name, String method) throws IOException {
    SocketChannel c = peer();
    send(
        c,
        "{\"type\":\"REGISTER\",\"serviceName\":\""
            + name
            + "\",\"methods\":[\""
            + method
            + "\"],\"version\":\"1.0.0\",\"metadata\":{}}");
    assertThat(read(c)).isEqualTo("{\"type\":\"REGISTER_ACK\"}");
    return c;
  }

  private static String call(String id, String from, String to) {
    return "{\"type\":\"CALL\",\"id\":\""
        + id
        + "\",\"from\":\""
        + from
        + "\",\"to\":\""
        + to
        + "\",\"method\":\"m\",\"params\":{},\"context\":{\"root\":\"r\",\"chain\":[],\"depth\":2,\"deadline\":"
        + (System.currentTimeMillis() + 60_000)
        + "}}";
  }

  @Test
  void servicesListsRegistrationsAndTheGraphShowsWhoCallsWhom() throws IOException {
    SocketChannel users = service("users", "get");
    SocketChannel orders = service("orders", "list");
    send(orders, call("1", "orders", "users"));
    read(users);
    send(
        users,
        "{\"type\":\"RESPONSE\",\"id\":\"1\",\"from\":\"users\",\"to\":\"orders\",\"status\":\"success\",\"data\":1}");
    read(orders);
    send(orders, call("2", "orders", "ghost"));
    read(orders);

    Result list = Cli.ctl(pipe, "services");
    assertThat(list.status()).as(list.toString()).isZero();
    assertThat(list.out())
        .contains("\"name\": \"users\"")
        .contains("\"methods\": [\n      \"get\"\n    ]")
        .contains("\"callsReceived\": 1")
        .contains("\"lastHeartbeat\"");

    // The graph shows delivered calls between registered services: the refused call to "ghost"
    // leaves nothing (its name came from an unchecked frame).
    Result mermaid = Cli.ctl(pipe, "services", "--graph");
    assertThat(mermaid.status()).as(mermaid.toString()).isZero();
    assertThat(mermaid.out())
        .isEqualTo("graph LR\n  s0[\"users\"]\n  s1[\"orders\"]\n  s1 -->|\"1 call\"| s0\n");

    Result dot = Cli.ctl(pipe, "services", "--graph", "--format", "dot");
    assertThat(dot.out())
        .startsWith("digraph services {")
        .contains("\"orders\" -> \"users\" [label=\"1 call\"];");

    Result png = Cli.ctl(pipe, "services", "--graph", "--format", "png");
    assertThat(png.status()).isEqualTo(ExitStatus.USAGE.code);
    assertThat(png.err()).contains("unknown graph format 'png' (use mermaid or dot)");
  }

  @Test
  void callInvokesAServiceMethodAndPrintsItsResult() throws Exception {
    try (io.ephemeral.client.service.ServiceClient calc =
        io.ephemeral.client.service.ServiceClient.builder()
            .serviceName("calc")
            .gateway(pipe)
            .build()) {
      java.util.List<String> callers = new java.util.concurrent.CopyOnWriteArrayList<>();
      calc.registerMethod(
          "double",
          (params, ctx) -> {
            callers.add(ctx.caller());
            return java.util.Map.of("result", params.path("n").asInt() * 2);
          });
      calc.connect();
      Result ok = Cli.ctl(pipe, "call", "calc", "double", "{\"n\":21}");
      assertThat(ok.status()).as(ok.toString()).isZero();
      assertThat(ok.out()).isEqualTo("{\n  \"result\": 42\n}\n");
      Result viaMsgpack = Cli.ctl(pipe, "call", "calc", "double", "{\"n\":2}", "--msgpack");
      assertThat(viaMsgpack.out()).contains("\"result\": 4");
      Result missing = Cli.ctl(pipe, "call", "nobody", "x");
      assertThat(missing.status()).isEqualTo(1);
      assertThat(missing.err()).contains("SERVICE_NOT_FOUND");
      Result badJson = Cli.ctl(pipe, "call", "calc", "double", "{nope");
      assertThat(badJson.status()).isEqualTo(ExitStatus.USAGE.code);
      assertThat(badJson.err()).contains("PARAMS is not valid JSON");

      // brokerctl called as an anonymous caller: no service, no node in the call graph
      assertThat(callers).hasSize(2).allSatisfy(c -> assertThat(c).startsWith("~anonymous-"));
      Result graph = Cli.ctl(pipe, "services", "--graph");
      assertThat(graph.out()).isEqualTo("graph LR\n  s0[\"calc\"]\n");
    }
  }
}
