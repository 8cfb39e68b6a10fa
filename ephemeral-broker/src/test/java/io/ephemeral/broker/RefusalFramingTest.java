package io.ephemeral.broker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/**
 * A refused connection is told why in its own framing: a gateway client (first byte 0) gets an
 * ERROR frame in its encoding, a KV client a JSON line. A KV line sent to a gateway client was read
 * as a frame header ({@code {"ok} = a 2 GB frame).
 */
class RefusalFramingTest {

  @Test
  void aGatewayClientRefusedAtTheConnectionLimitReadsAnErrorFrame() throws IOException {
    try (BrokerFixture f = new BrokerFixture(b -> b.maxConnections(1))) {
      WireClient holder = f.client();
      assertThat(holder.call("{\"action\":\"ping\"}")).startsWith("{\"ok\":true");

      try (FrameClient json = new FrameClient(f.socket)) {
        json.sendJson(FrameClient.register("svc", "m"));
        JsonNode error = json.readSmall();
        assertThat(error.get("type").asText()).isEqualTo("ERROR");
        assertThat(error.get("error").get("code").asText()).isEqualTo("TOO_MANY_CONNECTIONS");
        assertThat(error.get("error").get("message").asText()).contains("connection limit");
        assertThat(json.lastBodyWasJson()).isTrue();
        assertThat(json.closedByPeer()).isTrue();
      }
      try (FrameClient msgpack = new FrameClient(f.socket)) {
        msgpack.sendBody(msgpackRegister("svc"));
        JsonNode error = msgpack.readSmall();
        assertThat(msgpack.lastBodyWasJson()).as("answered in MessagePack").isFalse();
        assertThat(error.get("type").asText()).isEqualTo("ERROR");
        assertThat(error.get("error").get("code").asText()).isEqualTo("TOO_MANY_CONNECTIONS");
      }
      try (WireClient kv = new WireClient(f.socket)) {
        assertThat(kv.call("{\"action\":\"ping\"}"))
            .startsWith("{\"ok\":false,\"error\":\"too_many_connections\"");
      }
      assertThat(f.broker.gateway().isServiceConnected("svc")).isFalse();
    }
  }

  @Test
  void aGatewayClientRefusedWhileDrainingReadsAnErrorFrame() throws IOException {
    try (BrokerFixture f = new BrokerFixture()) {
      assertThat(f.broker.drain(Duration.ofSeconds(5))).isTrue();
      try (FrameClient gateway = new FrameClient(f.socket)) {
        gateway.sendJson(FrameClient.register("svc", "m"));
        JsonNode error = gateway.readSmall();
        assertThat(error.get("error").get("code").asText()).isEqualTo("DRAINING");
      }
      try (WireClient kv = new WireClient(f.socket)) {
        assertThat(kv.call("{\"action\":\"ping\"}"))
            .isEqualTo("{\"ok\":false,\"error\":\"draining\"}");
      }
    }
  }

  @Test
  void aRefusedClientThatSendsNothingIsToldAsAKvClientAfterASecond() throws IOException {
    try (BrokerFixture f = new BrokerFixture(b -> b.maxConnections(1))) {
      assertThat(f.call("{\"action\":\"ping\"}")).startsWith("{\"ok\":true");
      try (WireClient silent = new WireClient(f.socket)) {
        Awaits.until(
            "the refusal",
            () ->
                f.callJson("{\"action\":\"metrics\",\"format\":\"json\"}")
                        .get("metrics")
                        .get("limits")
                        .get("maxConnections")
                        .asInt()
                    == 1);
        f.clock.advance(Duration.ofMillis(1_000));
        assertThat(silent.readLine())
            .startsWith("{\"ok\":false,\"error\":\"too_many_connections\"");
        assertThat(silent.readLine()).as("closed once told").isNull();
      }
    }
  }

  static byte[] msgpackRegister(String name) throws IOException {
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      p.packMapHeader(4);
      p.packString("type").packString("REGISTER");
      p.packString("serviceName").packString(name);
      p.packString("methods").packArrayHeader(0);
      p.packString("metadata").packMapHeader(0);
      return p.toByteArray();
    }
  }
}
