package io.ephemeral.client.service;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.math.BigInteger;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The frame codec against bytes written by msgpackr and the msgpackr number rule. */
class WireCodecTest {
  private static final JsonNodeFactory N = JsonNodeFactory.instance;
  private static final HexFormat HEX = HexFormat.of();

  private static String packed(JsonNode node) throws IOException {
    return HEX.formatHex(WireCodec.encode(node, Serializer.MSGPACK));
  }

  @Test
  void readsWhatMsgpackrWrites() throws IOException {
    // msgpackr 1.11 pack({a:1, d:Date.now(), x:undefined, big:2**40, neg:-5, f:1.5})
    byte[] bytes =
        HEX.parseHex(
            "de0006a16101a164cb427a206305341000a178d40000a3626967cb4270000000000000"
                + "a36e6567fba166cb3ff8000000000000");
    JsonNode m = WireCodec.decode(bytes);
    assertThat(m.get("a").isInt()).isTrue();
    assertThat(m.get("d").isLong()).as("an integral float64 timestamp becomes a long").isTrue();
    assertThat(m.get("d").asLong()).isBetween(1_700_000_000_000L, 1_900_000_000_000L);
    assertThat(m.has("x")).as("undefined is dropped like JSON.stringify does").isFalse();
    assertThat(m.get("big").longValue()).isEqualTo(1L << 40);
    assertThat(m.get("neg").intValue()).isEqualTo(-5);
    assertThat(m.get("f").doubleValue()).isEqualTo(1.5);
  }

  @Test
  void writesIntegersThatFit32BitsAsIntegersAndLargerOnesAsFloat64() throws IOException {
    assertThat(packed(N.numberNode(0))).isEqualTo("00");
    assertThat(packed(N.numberNode(-5))).isEqualTo("fb");
    assertThat(packed(N.numberNode(4_294_967_295L))).isEqualTo("ceffffffff");
    assertThat(packed(N.numberNode(-2_147_483_648L))).isEqualTo("d280000000");
    assertThat(packed(N.numberNode(4_294_967_296L))).isEqualTo("cb41f0000000000000");
    assertThat(packed(N.numberNode(-2_147_483_649L))).startsWith("cb");
    assertThat(packed(N.numberNode(Long.MAX_VALUE))).startsWith("cb");
    assertThat(packed(N.numberNode(BigInteger.TWO.pow(70)))).startsWith("cb");
    assertThat(packed(N.numberNode(2.0))).isEqualTo("cb4000000000000000");
    assertThat(packed(N.numberNode(1.5f))).isEqualTo("cb3ff8000000000000");
  }

  @Test
  void largeLongsSurviveTheTrip() throws IOException {
    JsonNode in = N.objectNode().put("deadline", 1_767_225_600_123L).put("small", 3.0);
    JsonNode out = WireCodec.decode(WireCodec.encode(in, Serializer.MSGPACK));
    assertThat(out.get("deadline").isLong()).isTrue();
    assertThat(out.get("deadline").longValue()).isEqualTo(1_767_225_600_123L);
    assertThat(out.get("small").isDouble()).as("a small double stays a double").isTrue();
  }

  @Test
  void readsDatesBinaryAndNonStringKeys() throws IOException {
    // {t: timestamp32(1 s), b: bin8 [1,2], 1: "one"} and [undefined]
    JsonNode m = WireCodec.decode(HEX.parseHex("83a174d6ff00000001a162c4020102" + "01a36f6e65"));
    assertThat(m.get("t").asText()).isEqualTo("1970-01-01T00:00:01.000Z");
    assertThat(m.get("b").binaryValue()).containsExactly(1, 2);
    assertThat(m.get("1").asText()).isEqualTo("one");
    assertThat(WireCodec.decode(HEX.parseHex("91d40000")).get(0).isNull()).isTrue();
  }

  @Test
  void rejectsTrailingBytesLikeMsgpackr() {
    assertThatThrownBy(() -> WireCodec.decode(HEX.parseHex("80c0")))
        .hasMessageContaining("end of buffer not reached");
  }

  @Test
  void jsonBodiesAreRecognisedByTheirFirstByte() throws IOException {
    JsonNode m = WireCodec.decode("{\"type\":\"REGISTER_ACK\"}".getBytes(UTF_8));
    assertThat(m.get("type").asText()).isEqualTo("REGISTER_ACK");
    byte[] json = WireCodec.encode(m, Serializer.JSON);
    assertThat(new String(json, UTF_8)).isEqualTo("{\"type\":\"REGISTER_ACK\"}");
    assertThat(WireCodec.decode(WireCodec.encode(m, Serializer.MSGPACK))).isEqualTo(m);
  }

  /** Long strings are packed from the JDK's UTF-8 bytes: exactly what msgpack-core would write. */
  @Test
  void longStringsPackAsMsgpackCoreWouldPackThem() throws IOException {
    String ascii = "abcdefghijklmnopqrstuvwxyz".repeat(400);
    for (String text :
        new String[] {
          ascii.substring(0, WireCodec.LONG_STRING),
          ascii.substring(0, WireCodec.LONG_STRING + 1),
          ascii,
          "\u00e9\u4e2d\uD83D\uDD25".repeat(300),
          ascii + "\uD800" + ascii, // a lone surrogate: '?' either way
          "x".repeat(70_000) // str32
        }) {
      org.msgpack.core.MessageBufferPacker reference =
          org.msgpack.core.MessagePack.newDefaultBufferPacker();
      reference.packString(text);
      org.msgpack.core.MessageBufferPacker packed =
          org.msgpack.core.MessagePack.newDefaultBufferPacker();
      WireCodec.pack(JsonNodeFactory.instance.textNode(text), packed);
      assertThat(packed.toByteArray()).isEqualTo(reference.toByteArray());
    }
  }

  @Test
  void paramsAreCutOutOfTheFrameAsTheirBytesWhateverTheyAre() throws IOException {
    String[] values = {
      "5",
      "-1.5e3",
      "true",
      "null",
      "\"a\\\"b\"",
      "\"\"",
      "[]",
      "{}",
      "[1,{\"x\":[2]}]",
      "{\"k\":\"\u00e9\"}"
    };
    WireCodec.Reader reader = new WireCodec.Reader();
    for (String v : values) {
      for (String frame :
          new String[] {
            "{\"type\":\"CALL\",\"params\":" + v + "}",
            "{\"params\" :  " + v + "  ,\"type\":\"CALL\"}",
            "{\"params\":0,\"params\":" + v + "}" // the last of duplicate names, as JSON.parse
          }) {
        byte[] body = frame.getBytes(UTF_8);
        byte[] framed = new byte[body.length + 5];
        System.arraycopy(body, 0, framed, 2, body.length);
        WireMessage m = reader.read(framed, 2, body.length);
        assertThat(new String(m.params, UTF_8)).as(frame).isEqualTo(v);
      }
    }
  }

  @Test
  void messagePackParamsAreCutOutAsTheirBytesAndUndefinedIsAbsent() throws IOException {
    // {type:"CALL", params:{a:1}} and {type:"CALL", params:undefined}, as msgpackr packs them
    WireCodec.Reader reader = new WireCodec.Reader();
    byte[] withParams = HEX.parseHex("de0002a474797065a443414c4ca6706172616d73de0001a16101");
    assertThat(HEX.formatHex(reader.read(withParams, 0, withParams.length).params))
        .isEqualTo("de0001a16101");
    byte[] undefined = HEX.parseHex("de0002a474797065a443414c4ca6706172616d73d40000");
    assertThat(reader.read(undefined, 0, undefined.length).params).isNull();
  }
}
