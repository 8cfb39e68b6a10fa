package io.ephemeral.broker.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.ephemeral.broker.BrokerFixture;
import io.ephemeral.broker.FrameClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;

/**
 * Converting between JSON and MessagePack walks the message recursively: nesting beyond the
 * gateway's depth limit is refused before the walk goes deep, never a StackOverflowError on the
 * broker's thread.
 */
class TranscoderDepthTest {

  /** A MessagePack body: {"x": [[[...nil...]]]} with {@code arrays} nested arrays. */
  private static byte[] nestedMsgpack(int arrays) throws IOException {
    MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
    p.packMapHeader(1).packString("x");
    byte[] opens = new byte[arrays];
    Arrays.fill(opens, (byte) 0x91); // fixarray of one element
    p.addPayload(opens);
    p.packNil();
    return p.toByteArray();
  }

  private static String transcode(
      Transcoder t, byte[] body, FrameMessage.Encoding from, FrameMessage.Encoding to)
      throws IOException {
    ByteOutput out = new ByteOutput();
    t.transcode(body, 0, body.length, from, to, out);
    byte[] frame = out.toByteArray();
    return new String(frame, 4, frame.length - 4, StandardCharsets.UTF_8);
  }

  @Test
  void messagePackNestedOneHundredThousandDeepIsRefused() throws IOException {
    Transcoder t = new Transcoder(256);
    byte[] deep = nestedMsgpack(100_000);
    assertThatThrownBy(
            () -> transcode(t, deep, FrameMessage.Encoding.MSGPACK, FrameMessage.Encoding.JSON))
        .isInstanceOf(Transcoder.TooDeepException.class)
        .hasMessage("the message nests deeper than the gateway's limit of 256 levels");
    // The top-level map is level 1: 255 arrays inside it are exactly at the limit.
    String atLimit =
        transcode(t, nestedMsgpack(255), FrameMessage.Encoding.MSGPACK, FrameMessage.Encoding.JSON);
    assertThat(atLimit).isEqualTo("{\"x\":" + "[".repeat(255) + "null" + "]".repeat(255) + "}");
    assertThatThrownBy(
            () ->
                transcode(
                    t,
                    nestedMsgpack(256),
                    FrameMessage.Encoding.MSGPACK,
                    FrameMessage.Encoding.JSON))
        .isInstanceOf(Transcoder.TooDeepException.class);
  }

  @Test
  void jsonNestedTooDeepIsRefusedTheSameWay() throws IOException {
    Transcoder t = new Transcoder(256);
    byte[] deep =
        ("{\"x\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}")
            .getBytes(StandardCharsets.US_ASCII);
    assertThatThrownBy(
            () -> transcode(t, deep, FrameMessage.Encoding.JSON, FrameMessage.Encoding.MSGPACK))
        .isInstanceOf(Transcoder.TooDeepException.class);
    byte[] atLimit =
        ("{\"x\":" + "[".repeat(255) + "]".repeat(255) + "}").getBytes(StandardCharsets.US_ASCII);
    String back = transcode(t, atLimit, FrameMessage.Encoding.JSON, FrameMessage.Encoding.MSGPACK);
    assertThat(back).isNotEmpty();
  }

  @Test
  void aCallTooDeepToConvertIsAnsweredAndCountedAndTheGatewayCarriesOn() throws Exception {
    try (BrokerFixture f = new BrokerFixture();
        FrameClient callee = new FrameClient(f.socket);
        FrameClient caller = new FrameClient(f.socket)) {
      callee.sendJson(FrameClient.register("json-svc", "echo")); // JSON: calls to it are converted
      assertThat(callee.read().get("type").asText()).isEqualTo("REGISTER_ACK");
      MessageBufferPacker reg = MessagePack.newDefaultBufferPacker();
      reg.packMapHeader(3)
          .packString("type")
          .packString("REGISTER")
          .packString("serviceName")
          .packString("mp")
          .packString("methods")
          .packArrayHeader(0);
      caller.sendBody(reg.toByteArray());
      assertThat(caller.read().get("type").asText()).isEqualTo("REGISTER_ACK");

      MessageBufferPacker call = MessagePack.newDefaultBufferPacker();
      call.packMapHeader(7)
          .packString("type")
          .packString("CALL")
          .packString("id")
          .packString("deep")
          .packString("from")
          .packString("mp")
          .packString("to")
          .packString("json-svc")
          .packString("method")
          .packString("echo")
          .packString("context")
          .packMapHeader(2)
          .packString("depth")
          .packInt(1)
          .packString("deadline")
          .packLong(f.clock.millis() + 60_000)
          .packString("params");
      byte[] opens = new byte[100_000];
      Arrays.fill(opens, (byte) 0x91);
      call.addPayload(opens);
      call.packNil();
      caller.sendBody(call.toByteArray());

      byte[] answer = caller.readBody();
      try (MessageUnpacker u = MessagePack.newDefaultUnpacker(answer)) {
        JsonNode r = FrameClient.JSON.readTree(u.unpackValue().toJson());
        assertThat(r.get("id").asText()).isEqualTo("deep");
        assertThat(r.get("status").asText()).isEqualTo("error");
        assertThat(r.toString())
            .contains("SERIALIZATION_FAILED")
            .contains("nests deeper than the gateway's limit of 256 levels");
      }
      assertThat(LimitsTest.hits(f, "maxFrameDepth")).isEqualTo(1);
      callee.sendJson("{\"type\":\"NOPE\"}");
      assertThat(callee.read().toString()).contains("Unknown message type: NOPE");
    }
  }
}
