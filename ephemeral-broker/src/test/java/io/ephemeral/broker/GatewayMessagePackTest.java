package io.ephemeral.broker;

import static io.ephemeral.broker.FrameClient.call;
import static io.ephemeral.broker.FrameClient.register;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;

/**
 * MessagePack peers, as msgpackr writes them, and conversion between JSON and MessagePack peers.
 */
class GatewayMessagePackTest extends WithBroker {

  /** A msgpack REGISTER with map16 headers, as msgpackr writes every object. */
  private static byte[] mpRegister(String name) throws IOException {
    MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
    p.addPayload(new byte[] {(byte) 0xde, 0, 5});
    p.packString("type").packString("REGISTER");
    p.packString("serviceName").packString(name);
    p.packString("methods").packArrayHeader(1).packString("echo");
    p.packString("version").packString("1.0.0");
    p.packString("metadata").addPayload(new byte[] {(byte) 0xde, 0, 0});
    return p.toByteArray();
  }

  private static byte[] mpCall(String id, String from, String to, long deadline)
      throws IOException {
    MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
    p.packMapHeader(7);
    p.packString("type").packString("CALL");
    p.packString("id").packString(id);
    p.packString("from").packString(from);
    p.packString("to").packString(to);
    p.packString("method").packString("echo");
    p.packString("params").packMapHeader(3);
    p.packString("n").packInt(7);
    p.packString("when").packDouble(1.7e12); // msgpackr writes large integral numbers as float64
    p.packString("gone").addPayload(new byte[] {(byte) 0xd4, 0, 0}); // undefined
    p.packString("context").packMapHeader(4);
    p.packString("root").packString("root-9");
    p.packString("chain").packArrayHeader(2).packString(from).packString(from);
    p.packString("depth").packInt(2);
    p.packString("deadline").packDouble(deadline);
    return p.toByteArray();
  }

  @Test
  void aMessagePackServiceIsAnsweredInMessagePack() throws Exception {
    try (FrameClient svc = new FrameClient(f.socket)) {
      svc.sendBody(mpRegister("mp"));
      byte[] ack = svc.readBody();
      assertThat(ack[0]).isNotEqualTo((byte) '{');
      try (MessageUnpacker u = MessagePack.newDefaultUnpacker(ack)) {
        assertThat(u.unpackValue().toJson()).isEqualTo("{\"type\":\"REGISTER_ACK\"}");
      }
    }
  }

  @Test
  void messagePackToMessagePackIsForwardedUnchanged() throws Exception {
    try (FrameClient callee = new FrameClient(f.socket);
        FrameClient caller = new FrameClient(f.socket)) {
      callee.sendBody(mpRegister("callee"));
      callee.readBody();
      caller.sendBody(mpRegister("caller"));
      caller.readBody();
      byte[] body = mpCall("c1", "caller", "callee", f.clock.millis() + 60_000);
      caller.sendBody(body);
      assertThat(callee.readBody()).isEqualTo(body);
    }
  }

  @Test
  void jsonCallerAndMessagePackCalleeAreConvertedBothWays() throws Exception {
    try (FrameClient callee = new FrameClient(f.socket);
        FrameClient caller = new FrameClient(f.socket)) {
      callee.sendBody(mpRegister("mp"));
      callee.readBody();
      caller.sendJson(register("js"));
      caller.read();
      long deadline = f.clock.millis() + 60_000;
      caller.sendJson(
          call(
              "x1",
              "js",
              "mp",
              "echo",
              "{\"n\":7,\"big\":5000000000,\"half\":0.5,\"s\":\"é\",\"l\":[1,null]}",
              deadline,
              2));
      byte[] body = callee.readBody();
      assertThat(body[0]).as("MessagePack for the MessagePack peer").isNotEqualTo((byte) '{');
      try (MessageUnpacker u = MessagePack.newDefaultUnpacker(body)) {
        JsonNode tree = FrameClient.JSON.readTree(u.unpackValue().toJson());
        assertThat(tree.get("id").asText()).isEqualTo("x1");
        assertThat(tree.get("params").get("n").asInt()).isEqualTo(7);
        assertThat(tree.get("params").get("s").asText()).isEqualTo("é");
      }
      assertThat(formatOf(body, "deadline")).isEqualTo(MessageFormat.FLOAT64);
      assertThat(formatOf(body, "big")).isEqualTo(MessageFormat.FLOAT64);
      assertThat(formatOf(body, "n")).isEqualTo(MessageFormat.POSFIXINT);
      // The MessagePack answer reaches the JSON caller as JSON, in JavaScript number form.
      MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
      p.packMapHeader(6);
      p.packString("type").packString("RESPONSE");
      p.packString("id").packString("x1");
      p.packString("from").packString("mp");
      p.packString("to").packString("js");
      p.packString("status").packString("success");
      p.packString("data")
          .packMapHeader(3)
          .packString("t")
          .packDouble(1.7e12)
          .packString("u")
          .addPayload(new byte[] {(byte) 0xd4, 0, 0})
          .packString("f")
          .packDouble(0.1);
      callee.sendBody(p.toByteArray());
      assertThat(new String(caller.readBody(), StandardCharsets.UTF_8))
          .isEqualTo(
              "{\"type\":\"RESPONSE\",\"id\":\"x1\",\"from\":\"mp\",\"to\":\"js\",\"status\":\"success\","
                  + "\"data\":{\"t\":1700000000000,\"f\":0.1}}");
    }
  }

  @Test
  void errorResponsesToMessagePackCallersAreMessagePackWithTheirContext() throws Exception {
    try (FrameClient caller = new FrameClient(f.socket)) {
      caller.sendBody(mpRegister("caller"));
      caller.readBody();
      caller.sendBody(mpCall("c9", "caller", "ghost", f.clock.millis() + 60_000));
      byte[] body = caller.readBody();
      assertThat(body[0]).isNotEqualTo((byte) '{');
      JsonNode r;
      try (MessageUnpacker u = MessagePack.newDefaultUnpacker(body)) {
        r = FrameClient.JSON.readTree(u.unpackValue().toJson());
      }
      assertThat(r.get("error").get("code").asText()).isEqualTo("SERVICE_NOT_FOUND");
      assertThat(r.get("context").get("root").asText()).isEqualTo("root-9");
      assertThat(formatOf(body, "deadline")).isEqualTo(MessageFormat.FLOAT64);
    }
  }

  /** The format byte of the first value stored under {@code key} anywhere in the body. */
  private static MessageFormat formatOf(byte[] body, String key) throws IOException {
    try (MessageUnpacker u = MessagePack.newDefaultUnpacker(body)) {
      MessageFormat found = find(u, key);
      if (found == null) {
        throw new AssertionError("no member " + key);
      }
      return found;
    }
  }

  private static MessageFormat find(MessageUnpacker u, String key) throws IOException {
    MessageFormat f = u.getNextFormat();
    switch (f.getValueType()) {
      case MAP:
        {
          int n = u.unpackMapHeader();
          MessageFormat result = null;
          for (int i = 0; i < n; i++) {
            String k =
                u.getNextFormat().getValueType() == org.msgpack.value.ValueType.STRING
                    ? u.unpackString()
                    : null;
            if (k == null) {
              u.skipValue();
            }
            if (result == null && key.equals(k)) {
              result = u.getNextFormat();
              u.skipValue();
            } else {
              MessageFormat inner = find(u, key);
              if (result == null) {
                result = inner;
              }
            }
          }
          return result;
        }
      case ARRAY:
        {
          int n = u.unpackArrayHeader();
          MessageFormat result = null;
          for (int i = 0; i < n; i++) {
            MessageFormat inner = find(u, key);
            if (result == null) {
              result = inner;
            }
          }
          return result;
        }
      default:
        u.skipValue();
        return null;
    }
  }
}
