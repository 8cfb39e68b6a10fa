package io.ephemeral.broker.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;

/** Regression tests for what the fuzz targets of {@link BrokerFuzzTest} found. */
class FuzzFindingsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A CALL whose params nest 100,000 arrays: about 100 KB, far under the frame limit. */
  private static byte[] deepCall() throws IOException {
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      p.packMapHeader(7);
      p.packString("context").packMapHeader(2);
      p.packString("deadline").packDouble(1_700_000_030_000.0);
      p.packString("depth").packInt(0);
      p.packString("type").packString("CALL");
      p.packString("id").packString("c1");
      p.packString("from").packString("a");
      p.packString("to").packString("b");
      p.packString("method").packString("m");
      p.packString("params");
      for (int i = 0; i < 100_000; i++) {
        p.packArrayHeader(1);
      }
      p.packNil();
      return p.toByteArray();
    }
  }

  @Test
  void transcoderRefusesDeeplyNestedMessagePackInsteadOfOverflowingTheStack() throws IOException {
    byte[] body = deepCall();
    FrameMessage m = new FrameMessage();
    assertThat(new FramePeeker(256).peek(body, 0, body.length, m)).isEqualTo(FramePeeker.OK);
    assertThatThrownBy(() -> BrokerFuzzTest.toJson(body))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("nests deeper than the gateway's limit of 256 levels");
  }

  @Test
  void aDeeplyNestedCallToAJsonServiceIsAnsweredWithAnErrorResponse() throws IOException {
    try (BrokerFuzzTest.Harness h = new BrokerFuzzTest.Harness(b -> b)) {
      Connection callee = new Connection(null);
      h.feed(
          callee,
          frame(
              "{\"type\":\"REGISTER\",\"serviceName\":\"b\",\"methods\":[\"m\"]}"
                  .getBytes(StandardCharsets.UTF_8)));
      Connection caller = new Connection(null);
      byte[] register;
      try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
        p.packMapHeader(2);
        p.packString("type").packString("REGISTER");
        p.packString("serviceName").packString("a");
        register = p.toByteArray();
      }
      h.feed(caller, frame(register));

      byte[] answer = h.feed(caller, frame(deepCall()));

      assertThat(h.feed(callee, new byte[0])).as("nothing reached the callee").isEmpty();
      ByteBuffer bb = ByteBuffer.wrap(answer);
      byte[] response = new byte[bb.getInt()];
      bb.get(response);
      assertThat(bb.remaining()).isZero();
      JsonNode r;
      try (MessageUnpacker u = MessagePack.newDefaultUnpacker(response)) {
        r = JSON.readTree(u.unpackValue().toJson());
      }
      assertThat(r.path("type").asText()).isEqualTo("RESPONSE");
      assertThat(r.path("id").asText()).isEqualTo("c1");
      assertThat(r.path("error").path("code").asText()).isEqualTo("SERIALIZATION_FAILED");
    }
  }

  /**
   * Found by requestLine (input "structured-size-members"): an object or array as the value of
   * compressed, beforeSize or afterSize was left unread, so the parser went on inside it and
   * answered invalid_json for a line JSON.parse reads.
   */
  @Test
  void anObjectOrArrayInAMemberTheBrokerOnlyGlancesAtIsSkippedWhole() throws IOException {
    try (BrokerFuzzTest.Harness h = new BrokerFuzzTest.Harness(b -> b)) {
      Connection c = new Connection(null);
      String lines =
          "{\"action\":\"ping\",\"afterSize\":[0,2],\"id\":1}\n"
              + "{\"compressed\":[\"key\"],\"beforeSize\":{\"a\":{}},\"action\":\"ping\",\"id\":2}\n"
              + "{\"action\":\"set\",\"key\":\"k\",\"value\":\"v\",\"ttl\":60000,\"compressed\":{\"x\":true},"
              + "\"beforeSize\":[[1]],\"afterSize\":{},\"id\":3}\n"
              + "{\"action\":\"get\",\"key\":\"k\",\"id\":4}\n";
      String[] answers =
          new String(h.feed(c, lines.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8)
              .split("\n");
      assertThat(answers).hasSize(4);
      assertThat(answers[0]).startsWith("{\"ok\":true,\"pong\":").endsWith(",\"id\":1}");
      assertThat(answers[1]).startsWith("{\"ok\":true,\"pong\":").endsWith(",\"id\":2}");
      assertThat(answers[2]).isEqualTo("{\"ok\":true,\"id\":3}");
      assertThat(answers[3])
          .isEqualTo("{\"ok\":true,\"value\":\"v\",\"compressed\":false,\"id\":4}");
    }
  }

  /**
   * Found by frameStream (input "json-frame-like-utf32"): Jackson read a JSON body starting
   * {@code {\0\0\0} as UTF-32 and worded the error with a byte offset into the broker's read
   * buffer, so the answer depended on how the stream arrived. Such a body is refused before any
   * parser sees it (JSON.parse refuses a NUL as well), with the same words wherever it lies.
   */
  @Test
  void aJsonFrameThatLooksLikeUtf32IsRefusedTheSameWayWhereverItLies() {
    byte[] body = "{\0\0\0{z{{\"type\":\"PING\"}".getBytes(StandardCharsets.ISO_8859_1);
    FramePeeker peeker = new FramePeeker(256);
    String[] errors = new String[2];
    for (int shift = 0; shift < 2; shift++) {
      byte[] buffer = new byte[body.length + 100 * shift];
      System.arraycopy(body, 0, buffer, 100 * shift, body.length);
      assertThat(peeker.peek(buffer, 100 * shift, body.length, new FrameMessage()))
          .isEqualTo(FramePeeker.UNDECODABLE);
      errors[shift] = peeker.error();
    }
    assertThat(errors[0]).isEqualTo(errors[1]).isEqualTo("a NUL byte at the start");
  }

  /**
   * Found by requestLine (input "name-aliasing-a-shorter-name", only after other inputs): Jackson
   * pads the last four bytes of a member name with 0xFF bytes to look it up among the names it has
   * seen, so {@code "\xff\xffke"} was read as a {@code "ke"} seen before instead of being refused
   * as ill-formed UTF-8. A line or frame with ill-formed UTF-8 is now refused before Jackson.
   */
  @Test
  void anIllFormedMemberNameIsNeverReadAsANameSeenBefore() {
    RequestParser parser = new RequestParser(ParserAgreement.commands(), 64);
    byte[] first =
        "{\"ke\":1,\"key\":\"k\",\"action\":\"ping\",\"\u00e9\":1}"
            .getBytes(StandardCharsets.UTF_8);
    byte[] aliased =
        "{\"\u00ff\u00ffke\":1,\"\u00ffkey\":\"k\",\"action\":\"ping\"}"
            .getBytes(StandardCharsets.ISO_8859_1);
    for (int round = 0; round < 2; round++) {
      Request r = new Request();
      r.reset(first, 0, first.length);
      assertThat(parser.parseWithJackson(r)).isEqualTo(RequestParser.OK);
      r.reset(aliased, 0, aliased.length);
      assertThat(parser.parseWithJackson(r))
          .as("round %d", round)
          .isEqualTo(RequestParser.INVALID_JSON);
      assertThat(parser.error()).isEqualTo("ill-formed UTF-8 at byte 2");
    }
    FramePeeker peeker = new FramePeeker(256);
    byte[] frame = "{\"type\":\"PING\",\"id\":\"1\"}".getBytes(StandardCharsets.UTF_8);
    byte[] aliasedFrame =
        "{\"\u00ff\u00ffid\":\"2\",\"type\":\"PING\"}".getBytes(StandardCharsets.ISO_8859_1);
    FrameMessage m = new FrameMessage();
    assertThat(peeker.peek(frame, 0, frame.length, m)).isEqualTo(FramePeeker.OK);
    assertThat(peeker.peek(aliasedFrame, 0, aliasedFrame.length, m))
        .isEqualTo(FramePeeker.UNDECODABLE);
  }

  @Test
  void numberKeysOfMessagePackMapsBecomeJavaScriptPropertyNames() throws IOException {
    byte[] body;
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      p.packMapHeader(5);
      p.packDouble(1.0).packString("a");
      p.packDouble(1.5).packString("b");
      p.packDouble(1e21).packString("c");
      p.packDouble(Double.NaN).packString("d");
      p.packLong(-7).packString("e");
      body = p.toByteArray();
    }
    assertThat(msgpackToJson(body))
        .isEqualTo("{\"1\":\"a\",\"1.5\":\"b\",\"1e+21\":\"c\",\"NaN\":\"d\",\"-7\":\"e\"}");
  }

  @Test
  void aRepeatedRoutingMemberReplacesTheEarlierOneInBothEncodings() throws IOException {
    byte[] json =
        ("{\"type\":\"REGISTER\",\"methods\":[\"a\"],\"methods\":5,"
                + "\"metadata\":{\"poolIndex\":1},\"metadata\":{\"poolSize\":2},\"error\":{\"code\":\"E\"},\"error\":{},"
                + "\"context\":{\"deadline\":\"x\",\"deadline\":5,\"depth\":1,\"depth\":null}}")
            .getBytes(StandardCharsets.UTF_8);
    byte[] msgpack;
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      p.packMapHeader(8);
      p.packString("type").packString("REGISTER");
      p.packString("methods").packArrayHeader(1).packString("a");
      p.packString("methods").packInt(5);
      p.packString("metadata").packMapHeader(1).packString("poolIndex").packInt(1);
      p.packString("metadata").packMapHeader(1).packString("poolSize").packInt(2);
      p.packString("error").packMapHeader(1).packString("code").packString("E");
      p.packString("error").packMapHeader(0);
      p.packString("context")
          .packMapHeader(4)
          .packString("deadline")
          .packString("x")
          .packString("deadline")
          .packInt(5)
          .packString("depth")
          .packInt(1)
          .packString("depth")
          .packNil();
      msgpack = p.toByteArray();
    }
    for (byte[] body : new byte[][] {json, msgpack}) {
      FrameMessage m = new FrameMessage();
      FramePeeker peeker = new FramePeeker(256);
      assertThat(peeker.peek(body, 0, body.length, m))
          .as("%s", peeker.error())
          .isEqualTo(FramePeeker.OK);
      assertThat(m.methods).isEmpty();
      assertThat(m.methodsValid).isFalse();
      assertThat(m.poolMember).isFalse();
      assertThat(m.poolSize).isEqualTo(2);
      assertThat(m.errorCode).isNull();
      assertThat(m.contextValid).isTrue();
      assertThat(m.hasDeadline).isTrue();
      assertThat(m.deadline).isEqualTo(5);
      assertThat(m.hasDepth).isFalse();
    }
  }

  @Test
  void aTimestampBeyondJavaScriptDatesBecomesNullInsteadOfAnException() throws IOException {
    byte[] body;
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      p.packMapHeader(2);
      p.packString("type").packString("CALL");
      p.packString("params").packExtensionTypeHeader((byte) -1, 12);
      p.writePayload(ByteBuffer.allocate(12).putInt(0).putLong(Long.MIN_VALUE).array());
      body = p.toByteArray();
    }
    assertThat(msgpackToJson(body)).isEqualTo("{\"type\":\"CALL\",\"params\":null}");
  }

  @Test
  void aMap32HeaderWithTwoToTheThirtyEntriesDoesNotMakeATruncatedBodyAcceptable() {
    // {1: {<0x40000000 entries>}} with no entries at all: msgpack-core's skipValue counts
    // 2 * 0x40000000 in an int, wraps to a negative count and stops, so the body looked complete.
    byte[] body = {(byte) 0x81, 0x01, (byte) 0xdf, 0x40, 0x00, 0x00, 0x00};
    FramePeeker peeker = new FramePeeker(256);
    assertThat(peeker.peek(body, 0, body.length, new FrameMessage()))
        .isEqualTo(FramePeeker.UNDECODABLE);
    assertThat(peeker.error()).isNotBlank();
  }

  private static byte[] frame(byte[] body) {
    byte[] f = Arrays.copyOf(new byte[4], 4 + body.length);
    ByteBuffer.wrap(f).putInt(body.length);
    System.arraycopy(body, 0, f, 4, body.length);
    return f;
  }

  /**
   * A MessagePack frame body as the gateway forwards it to a JSON peer (the body, without its
   * length).
   */
  private static String msgpackToJson(byte[] body) throws IOException {
    ByteOutput out = new ByteOutput();
    new Transcoder(256)
        .transcode(
            body, 0, body.length, FrameMessage.Encoding.MSGPACK, FrameMessage.Encoding.JSON, out);
    byte[] frame = out.toByteArray();
    return new String(frame, 4, frame.length - 4, StandardCharsets.UTF_8);
  }
}
