package io.ephemeral.broker.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.ephemeral.broker.Broker;
import io.ephemeral.broker.ManualClock;
import io.ephemeral.broker.PeerAccess;
import io.ephemeral.protocol.ErrorCodes;
import io.ephemeral.protocol.JsJson;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.math.BigInteger;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.ValueType;

/**
 * Fuzz targets for everything the broker reads from a client: request lines through the real
 * dispatcher and command table, the gateway's frame stream, the routing-field peeker and the
 * JSON/MessagePack transcoder. No sockets: bytes go into {@link Clients#received} exactly as the
 * loop hands over what it read. Under the normal test command they replay the committed inputs in
 * {@code src/test/resources/io/ephemeral/broker/BrokerFuzzTestInputs/}; {@code mvn -Pfuzz test}
 * (see SECURITY.md) fuzzes them.
 */
class BrokerFuzzTest {

  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

  /** The broker's own nesting limit for request lines. */
  private static final int REQUEST_DEPTH = 64;

  private static final ObjectMapper JSON_64 =
      JsonMapper.builder(
              com.fasterxml.jackson.core.JsonFactory.builder()
                  .streamReadConstraints(
                      StreamReadConstraints.builder().maxNestingDepth(REQUEST_DEPTH).build())
                  .build())
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();
  private static final Set<String> ERROR_CODES = errorCodes();
  private static final int MAX_FRAME = 1024;
  private static final int MAX_REQUEST = 512;

  // ---- request lines ----

  /**
   * Any bytes, cut into lines: each line gets exactly one response line, which is a JSON object
   * with a boolean {@code ok}, an {@code error} from {@link ErrorCodes} when false, and the
   * request's {@code id} when the line is a JSON object that has one. Never {@code internal_error};
   * never {@code invalid_json} for a line Jackson reads as JSON within the nesting limit; the
   * parser's byte scanner and its Jackson path agree on every line. With a secret, every JSON line
   * that does not verify is {@code auth_failed}.
   */
  @FuzzTest
  @DictionaryEntries({
    "{\"action\":\"",
    "set",
    "get",
    "del",
    "lease",
    "release",
    "ping",
    "stats",
    "health",
    "list",
    "metrics",
    "\"key\":",
    "\"value\":",
    "\"ttl\":",
    "\"workerId\":",
    "\"id\":",
    "\"size\":",
    "\"wait\":",
    "\"format\":",
    "\"compressed\":",
    "\"beforeSize\":",
    "\"hmac\":",
    "prometheus",
    "services",
    "6e4",
    "\\u00"
  })
  void requestLine(byte[] input) throws IOException {
    List<byte[]> lines = lines(input);
    checkResponses(Loops.OPEN.fresh(), input, lines, false);
    checkResponses(Loops.SIGNED.fresh(), input, lines, true);
    RequestParser parser = new RequestParser(ParserAgreement.commands(), REQUEST_DEPTH);
    for (byte[] line : lines) {
      ParserAgreement.assertParsersAgree(parser, line);
    }
  }

  private static void checkResponses(Harness h, byte[] input, List<byte[]> lines, boolean secret)
      throws IOException {
    Connection c = new Connection(null);
    byte[] stream = Arrays.copyOf(input, input.length + 1);
    stream[input.length] = '\n';
    if (stream[0] == 0) {
      stream[0] = ' '; // a first NUL byte would make this a gateway connection
    }
    List<byte[]> responses = splitLines(h.feed(c, stream));
    if (c.parked) {
      assertThat(responses.size())
          .as("responses before a parked lease")
          .isLessThanOrEqualTo(lines.size());
    } else {
      assertThat(responses).as("one response per line of %s", show(stream)).hasSameSizeAs(lines);
    }
    io.ephemeral.protocol.Hmac hmac =
        secret ? io.ephemeral.protocol.Hmac.withSecret("fuzz-secret") : null;
    for (int i = 0; i < responses.size(); i++) {
      byte[] line = i == 0 ? Arrays.copyOf(lines.get(0), lines.get(0).length) : lines.get(i);
      if (i == 0 && line.length > 0 && line[0] == 0) {
        line[0] = ' ';
      }
      String what = show(line);
      JsonNode response;
      try {
        response = JSON.readTree(responses.get(i));
      } catch (JsonProcessingException e) {
        throw new AssertionError(
            "response to " + what + " is not JSON: " + show(responses.get(i)), e);
      }
      assertThat(response.isObject()).as("response to %s is an object", what).isTrue();
      assertThat(response.path("ok").isBoolean()).as("ok of %s", response).isTrue();
      String error = response.path("error").asText(null);
      if (response.get("ok").booleanValue()) {
        assertThat(response.has("error")).as("error member of a success %s", response).isFalse();
      } else {
        assertThat(error).as("error code of %s for %s", response, what).isIn(ERROR_CODES);
        assertThat(error).as("response to %s", what).isNotEqualTo(ErrorCodes.INTERNAL_ERROR);
      }
      if (line.length > MAX_REQUEST) {
        assertThat(error).as("over-long line").isEqualTo(ErrorCodes.TOO_LARGE);
        continue;
      }
      if (line.length > 0
          && (line[0] < 0
              || indexOf(line, (byte) 0) >= 0
              || io.ephemeral.protocol.Utf8.illFormedAt(line, 0, line.length) >= 0)) {
        // JSON.parse refuses a byte order mark and raw NUL bytes, and the broker refuses
        // ill-formed UTF-8 (JSON.parse would read U+FFFD); Jackson's byte parser guesses another
        // encoding from the first two and checks UTF-8 only where it decodes, so it is no
        // reference for these lines.
        assertThat(error).as("response to %s", what).isEqualTo(ErrorCodes.INVALID_JSON);
        continue;
      }
      JsonNode request = readWithinLimit(line);
      if (request != null && error != null) {
        assertThat(error).as("Jackson reads %s", what).isNotEqualTo(ErrorCodes.INVALID_JSON);
      }
      if (request != null
          && request.isObject()
          && request.has("id")
          && !ErrorCodes.INVALID_JSON.equals(error)) {
        assertThat(response.get("id")).as("id echoed for %s", what).isEqualTo(request.get("id"));
      }
      if (secret && !hmac.verifyRequest(line, 0, line.length)) {
        // As in the Node broker, a line is parsed before its signature is checked.
        assertThat(error)
            .as("unsigned %s", what)
            .isIn(ErrorCodes.AUTH_FAILED, ErrorCodes.INVALID_JSON);
      }
    }
  }

  private static int indexOf(byte[] b, byte value) {
    for (int i = 0; i < b.length; i++) {
      if (b[i] == value) {
        return i;
      }
    }
    return -1;
  }

  private static JsonNode readWithinLimit(byte[] line) {
    if (line.length == 0) {
      return JSON.createObjectNode(); // the broker reads an empty line as {}
    }
    try {
      JsonNode node = JSON_64.readTree(line);
      return node == null || node.isMissingNode() ? null : node;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  // ---- the frame stream ----

  /**
   * A stream of frames (well-formed, random bodies, over-size headers with their bodies) fed in one
   * piece and in arbitrary chunks gives byte-identical output; the connection never holds more than
   * one frame; a final sentinel frame is always answered after whatever came before (malformed
   * frames never desynchronise the stream); a header announcing up to 4 GiB is refused at once
   * without buffering its body.
   */
  @FuzzTest
  void frameStream(FuzzedDataProvider data) throws IOException {
    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    int frames = data.consumeInt(0, 12);
    for (int i = 0; i < frames; i++) {
      switch (data.consumeInt(0, 4)) {
        case 0:
          frame(stream, json(data).getBytes(StandardCharsets.UTF_8));
          break;
        case 1:
          frame(stream, data.consumeBytes(data.consumeInt(0, MAX_FRAME)));
          break;
        case 2:
          {
            int size = MAX_FRAME + data.consumeInt(1, 300);
            writeInt(stream, size);
            stream.write(new byte[size], 0, size); // the body the broker must skip unread
            break;
          }
        case 3:
          frame(stream, randomMsgpackMap(data));
          break;
        default:
          frame(stream, new byte[0]);
      }
    }
    frame(
        stream,
        "{\"type\":\"FUZZ_SENTINEL\",\"id\":\"sentinel\"}".getBytes(StandardCharsets.US_ASCII));
    boolean huge = data.consumeBoolean();
    long hugeSize = 0;
    if (huge) {
      hugeSize = data.consumeLong(MAX_FRAME + 1L, 0xFFFF_FFFFL);
      writeInt(stream, (int) hugeSize);
      stream.write(data.consumeBytes(64), 0, Math.min(64, data.remainingBytes()));
    }
    byte[] all = stream.toByteArray();
    List<Integer> cuts = new ArrayList<>();
    while (data.remainingBytes() > 0) {
      cuts.add(data.consumeInt(1, 1 << 12));
    }

    byte[] whole;
    byte[] pieces;
    {
      Harness a = Loops.FRAMES_A.fresh();
      Harness b = Loops.FRAMES_B.fresh();
      Connection ca = new Connection(null);
      whole = a.feed(ca, all);
      assertThat(ca.inLen).as("left over").isLessThanOrEqualTo(4 + MAX_FRAME);
      Connection cb = new Connection(null);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      int pos = 0;
      int k = 0;
      while (pos < all.length) {
        int n = Math.min(all.length - pos, cuts.isEmpty() ? 1 : cuts.get(k++ % cuts.size()));
        out.write(b.feed(cb, Arrays.copyOfRange(all, pos, pos + n)));
        pos += n;
        assertThat(cb.inLen).as("bytes held after a read").isLessThanOrEqualTo(4 + MAX_FRAME);
        assertThat(cb.in.length)
            .as("input buffer")
            .isLessThanOrEqualTo(2 * (4 + MAX_FRAME + (1 << 12)));
      }
      pieces = out.toByteArray();
      assertThat(cb.inLen).isEqualTo(ca.inLen);
      assertThat(cb.frames().skipBytes).isEqualTo(ca.frames().skipBytes);
    }
    assertThat(pieces).as("output fed in pieces equals output fed whole").isEqualTo(whole);

    List<byte[]> answers = new ArrayList<>();
    ByteBuffer bb = ByteBuffer.wrap(whole);
    while (bb.remaining() > 0) {
      assertThat(bb.remaining()).as("a complete frame header").isGreaterThanOrEqualTo(4);
      int len = bb.getInt();
      assertThat(len).as("a complete frame body").isBetween(0, bb.remaining());
      byte[] body = new byte[len];
      bb.get(body);
      answers.add(body);
    }
    int last = answers.size() - 1;
    if (huge) {
      JsonNode tooLarge = decodeBody(answers.get(last));
      assertThat(tooLarge.path("type").asText()).isEqualTo("ERROR");
      assertThat(tooLarge.path("error").path("message").asText()).contains(Long.toString(hugeSize));
      last--;
    }
    assertThat(last).as("answers").isGreaterThanOrEqualTo(0);
    JsonNode sentinel = decodeBody(answers.get(last));
    assertThat(sentinel.path("type").asText())
        .as("answer to the sentinel: %s", sentinel)
        .isEqualTo("ERROR");
    assertThat(sentinel.path("id").asText()).isEqualTo("sentinel");
    assertThat(sentinel.path("error").path("message").asText()).contains("FUZZ_SENTINEL");
  }

  private static JsonNode decodeBody(byte[] body) throws IOException {
    if (body.length > 0 && body[0] == '{') {
      return JSON.readTree(body);
    }
    try (MessageUnpacker u = MessagePack.newDefaultUnpacker(body)) {
      return JSON.readTree(u.unpackValue().toJson());
    }
  }

  private static String json(FuzzedDataProvider data) {
    String[] types = {"REGISTER", "CALL", "RESPONSE", "HEARTBEAT", "ERROR", "REGISTER_ACK", "NOPE"};
    String[] names = {"a", "b", "svc"};
    StringBuilder sb = new StringBuilder("{\"type\":");
    JsJson.quote(types[data.consumeInt(0, types.length - 1)], sb);
    sb.append(",\"id\":");
    JsJson.quote(data.consumeString(8), sb);
    sb.append(",\"serviceName\":\"").append(names[data.consumeInt(0, 2)]).append('"');
    sb.append(",\"from\":\"").append(names[data.consumeInt(0, 2)]).append('"');
    sb.append(",\"to\":\"").append(names[data.consumeInt(0, 2)]).append('"');
    sb.append(",\"method\":\"m\",\"methods\":[\"m\"],\"params\":[1,\"x\"]");
    if (data.consumeBoolean()) {
      sb.append(",\"context\":{\"deadline\":")
          .append(data.consumeLong())
          .append(",\"depth\":")
          .append(data.consumeInt(-1, 200))
          .append('}');
    }
    return sb.append('}').toString();
  }

  private static void frame(ByteArrayOutputStream out, byte[] body) {
    writeInt(out, body.length);
    out.write(body, 0, body.length);
  }

  private static void writeInt(ByteArrayOutputStream out, int v) {
    out.write(v >>> 24);
    out.write(v >>> 16);
    out.write(v >>> 8);
    out.write(v);
  }

  // ---- MessagePack: peeker and transcoder ----

  /**
   * MessagePack frames built from fuzz data (routing fields among random extra fields, nested
   * values of every type, non-string and repeated keys): the peeked routing fields equal those read
   * from a full decode with JavaScript object semantics (last value of a repeated key wins), and
   * MessagePack → JSON → MessagePack through the transcoder gives the values msgpackr would see had
   * the sender used JSON (GATEWAY-FRAMES.md section 2), never int64.
   */
  @FuzzTest
  void msgpackFrame(FuzzedDataProvider data) throws IOException {
    byte[] body = randomMsgpackMap(data);
    FrameMessage m = new FrameMessage();
    int outcome = new FramePeeker(256).peek(body, 0, body.length, m);
    assertThat(outcome).as("peek of a well-formed map").isEqualTo(FramePeeker.OK);
    assertThat(Routing.of(m)).as("routing fields").isEqualTo(Routing.decode(body));

    Object expected;
    try (MessageUnpacker u = MessagePack.newDefaultUnpacker(body)) {
      expected = Msgpackr.throughJson(u);
    } catch (IOException refused) {
      // A key msgpackr refuses (binary): the transcoder refuses the body as well.
      assertThatThrownBy(() -> toJson(body))
          .isInstanceOf(IOException.class)
          .hasMessage(refused.getMessage());
      return;
    }
    Transcoder transcoder = new Transcoder(256);
    ByteOutput json = new ByteOutput();
    transcoder.transcode(
        body, 0, body.length, FrameMessage.Encoding.MSGPACK, FrameMessage.Encoding.JSON, json);
    byte[] jsonBody = bodyOf(json.toByteArray());
    JSON.readTree(jsonBody); // valid JSON
    ByteOutput back = new ByteOutput();
    transcoder.transcode(
        jsonBody,
        0,
        jsonBody.length,
        FrameMessage.Encoding.JSON,
        FrameMessage.Encoding.MSGPACK,
        back);
    byte[] roundTrip = bodyOf(back.toByteArray());
    Object actual;
    try (MessageUnpacker u = MessagePack.newDefaultUnpacker(roundTrip)) {
      actual = Msgpackr.written(u);
      assertThat(u.hasNext()).isFalse();
    }
    assertThat(actual).as("round trip of %s", show(body)).isEqualTo(expected);
  }

  /** A MessagePack body converted to JSON by a transcoder with the default depth limit. */
  static byte[] toJson(byte[] body) throws IOException {
    ByteOutput json = new ByteOutput();
    new Transcoder(256)
        .transcode(
            body, 0, body.length, FrameMessage.Encoding.MSGPACK, FrameMessage.Encoding.JSON, json);
    return bodyOf(json.toByteArray());
  }

  /**
   * Arbitrary bytes as a frame body: the peeker answers OK, UNDECODABLE (with a message) or
   * NOT_AN_OBJECT and never throws; when it accepts a body, the transcoder converts it to the other
   * encoding without throwing anything but IOException, into a body the peeker accepts, and a JSON
   * body's string routing fields survive the conversion.
   */
  @FuzzTest
  void frameBody(byte[] body) {
    FrameMessage m = new FrameMessage();
    FramePeeker peeker = new FramePeeker(256);
    int outcome = peeker.peek(body, 0, body.length, m);
    assertThat(outcome).isIn(FramePeeker.OK, FramePeeker.UNDECODABLE, FramePeeker.NOT_AN_OBJECT);
    if (outcome == FramePeeker.UNDECODABLE) {
      assertThat(peeker.error()).as("error of an undecodable body").isNotBlank();
      return;
    }
    if (outcome != FramePeeker.OK) {
      return;
    }
    FrameMessage.Encoding from = m.encoding;
    FrameMessage.Encoding to =
        from == FrameMessage.Encoding.JSON
            ? FrameMessage.Encoding.MSGPACK
            : FrameMessage.Encoding.JSON;
    ByteOutput out = new ByteOutput();
    try {
      new Transcoder(256).transcode(body, 0, body.length, from, to, out);
    } catch (IOException e) {
      return; // refused: the router answers the call with an error
    }
    byte[] converted = bodyOf(out.toByteArray());
    FrameMessage again = new FrameMessage();
    assertThat(peeker.peek(converted, 0, converted.length, again))
        .as("peek of the converted body: %s", peeker.error())
        .isEqualTo(FramePeeker.OK);
    if (from == FrameMessage.Encoding.JSON
        && !Routing.of(m).toString().chars().anyMatch(ch -> Character.isSurrogate((char) ch))) {
      // JSON names are strings: the routing fields survive. (MessagePack keys of other types are
      // not routing fields for the peeker but get a name in the converted body; a lone surrogate
      // has no UTF-8 form and cannot survive, see SECURITY.md.)
      assertThat(Routing.of(again))
          .as("routing fields after conversion")
          .usingRecursiveComparison()
          .ignoringFields("context", "deadline", "depth", "poolIndex", "poolSize")
          .isEqualTo(Routing.of(m));
    }
  }

  private static byte[] bodyOf(byte[] frame) {
    int len = ByteBuffer.wrap(frame).getInt();
    assertThat(len).isEqualTo(frame.length - 4);
    return Arrays.copyOfRange(frame, 4, frame.length);
  }

  private static final String[] FIELDS = {
    "type",
    "id",
    "from",
    "to",
    "method",
    "status",
    "serviceName",
    "version",
    "methods",
    "metadata",
    "error",
    "context",
    "params",
    "data",
    "poolIndex",
    "poolSize",
    "code",
    "deadline",
    "depth",
    "1",
    "__proto__"
  };
  private static final String[] WORDS = {
    "CALL", "RESPONSE", "REGISTER", "HEARTBEAT", "svc", "m", "id-1", "success", "error"
  };

  /** A MessagePack map as a msgpackr peer (or a confused one) might send. */
  static byte[] randomMsgpackMap(FuzzedDataProvider data) {
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      int n = data.consumeInt(0, 10);
      p.packMapHeader(n);
      for (int i = 0; i < n; i++) {
        packKey(p, data);
        packValue(p, data, 0);
      }
      return p.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void packKey(MessageBufferPacker p, FuzzedDataProvider data) throws IOException {
    int k = data.consumeInt(0, FIELDS.length + 5);
    if (k < FIELDS.length) {
      p.packString(FIELDS[k]);
      return;
    }
    switch (k - FIELDS.length) {
      case 0:
        p.packString(data.consumeString(6));
        break;
      case 1:
        p.packLong(data.consumeLong());
        break;
      case 2:
        p.packNil();
        break;
      case 3:
        p.packBoolean(data.consumeBoolean());
        break;
      case 4:
        {
          byte[] b = data.consumeBytes(6);
          p.packBinaryHeader(b.length);
          p.writePayload(b);
          break;
        }
      default:
        p.packDouble(data.consumeDouble());
    }
  }

  private static void packValue(MessageBufferPacker p, FuzzedDataProvider data, int depth)
      throws IOException {
    switch (data.consumeInt(0, 15)) {
      case 0:
        p.packNil();
        break;
      case 1:
        p.packBoolean(data.consumeBoolean());
        break;
      case 2:
        p.packInt(data.consumeInt());
        break;
      case 3:
        p.packLong(data.consumeLong());
        break;
      case 4:
        p.packBigInteger(
            BigInteger.ONE
                .shiftLeft(63)
                .add(BigInteger.valueOf(data.consumeLong(0, Long.MAX_VALUE))));
        break;
      case 5:
        p.packDouble(data.consumeDouble());
        break;
      case 6:
        p.packFloat(data.consumeFloat());
        break;
      case 7:
        p.packDouble(data.consumeInt(-5, 5) * Math.pow(2, data.consumeInt(0, 40)));
        break;
      case 8:
        p.packString(
            data.consumeBoolean()
                ? WORDS[data.consumeInt(0, WORDS.length - 1)]
                : data.consumeString(12));
        break;
      case 9:
        {
          byte[] b = data.consumeBytes(8);
          p.packBinaryHeader(b.length);
          p.writePayload(b);
          break;
        }
      case 10:
      case 11:
        if (depth < 6) {
          int n = data.consumeInt(0, 4);
          p.packArrayHeader(n);
          for (int i = 0; i < n; i++) {
            packValue(p, data, depth + 1);
          }
        } else {
          p.packNil();
        }
        break;
      case 12:
        if (depth < 6) {
          int n = data.consumeInt(0, 4);
          p.packMapHeader(n);
          for (int i = 0; i < n; i++) {
            packKey(p, data);
            packValue(p, data, depth + 1);
          }
        } else {
          p.packNil();
        }
        break;
      case 13:
        p.packExtensionTypeHeader((byte) 0, 1); // msgpackr's undefined
        p.writePayload(new byte[1]);
        break;
      case 14:
        p.packTimestamp(
            Instant.ofEpochSecond(
                data.consumeLong(0, 253_402_300_799L), data.consumeInt(0, 999_999_999)));
        break;
      default:
        {
          byte[] b = data.consumeBytes(4);
          p.packExtensionTypeHeader((byte) data.consumeInt(1, 127), b.length);
          p.writePayload(b);
        }
    }
  }

  /** The routing fields, as a comparable value. */
  record Routing(
      String type,
      String id,
      String from,
      String to,
      String method,
      String status,
      String serviceName,
      String version,
      List<String> methods,
      boolean methodsValid,
      boolean poolMember,
      double poolIndex,
      double poolSize,
      String errorCode,
      boolean hasContext,
      boolean contextValid,
      boolean hasDeadline,
      double deadline,
      boolean hasDepth,
      double depth,
      String context) {

    static Routing of(FrameMessage m) {
      return new Routing(
          m.type,
          m.id,
          m.from,
          m.to,
          m.method,
          m.status,
          m.serviceName,
          m.version,
          List.copyOf(m.methods),
          m.methodsValid,
          m.poolMember,
          m.poolIndex,
          m.poolSize,
          m.errorCode,
          m.hasContext,
          m.contextValid,
          m.hasDeadline,
          m.deadline,
          m.hasDepth,
          m.depth,
          m.hasContext ? "@" + m.contextOff + "+" + m.contextLen : null);
    }

    /**
     * Decodes the whole body and reads the fields as JavaScript would from the object msgpackr
     * makes: string keys only, the last value of a repeated key.
     */
    static Routing decode(byte[] body) throws IOException {
      Map<String, Object> top = new LinkedHashMap<>();
      Map<String, String> spans = new LinkedHashMap<>();
      try (MessageUnpacker u = MessagePack.newDefaultUnpacker(body)) {
        int n = u.unpackMapHeader();
        for (int i = 0; i < n; i++) {
          boolean stringKey = u.getNextFormat().getValueType() == ValueType.STRING;
          Object key = Msgpackr.plain(u);
          int start = (int) u.getTotalReadBytes();
          Object value = Msgpackr.plain(u);
          if (stringKey) {
            top.remove(key);
            top.put((String) key, value);
            spans.put((String) key, "@" + start + "+" + ((int) u.getTotalReadBytes() - start));
          }
        }
      }
      Object methods = top.get("methods");
      List<String> names = new ArrayList<>();
      boolean methodsValid = methods instanceof List;
      if (methodsValid) {
        for (Object o : (List<?>) methods) {
          if (o instanceof String s) {
            names.add(s);
          } else {
            methodsValid = false;
          }
        }
      }
      Map<?, ?> metadata = top.get("metadata") instanceof StringMap sm ? sm.map : Map.of();
      Object poolIndex = metadata.get("poolIndex");
      Object poolSize = metadata.get("poolSize");
      Map<?, ?> error = top.get("error") instanceof StringMap sm ? sm.map : Map.of();
      boolean hasContext = top.containsKey("context");
      Object ctx = top.get("context");
      boolean contextValid = false;
      Object deadline = null;
      Object depth = null;
      if (ctx instanceof StringMap sm) {
        deadline = sm.map.get("deadline");
        depth = sm.map.get("depth");
        contextValid =
            (deadline == null || deadline instanceof Double)
                && (depth == null || depth instanceof Double);
      }
      return new Routing(
          str(top, "type"),
          str(top, "id"),
          str(top, "from"),
          str(top, "to"),
          str(top, "method"),
          str(top, "status"),
          str(top, "serviceName"),
          str(top, "version"),
          names,
          methodsValid,
          poolIndex instanceof Double,
          poolIndex instanceof Double d ? d : 0,
          poolSize instanceof Double d ? d : 0,
          error.get("code") instanceof String s ? s : null,
          hasContext,
          contextValid,
          deadline instanceof Double,
          deadline instanceof Double d ? d : 0,
          depth instanceof Double,
          depth instanceof Double d ? d : 0,
          hasContext ? spans.get("context") : null);
    }

    private static String str(Map<String, Object> top, String name) {
      return top.get(name) instanceof String s ? s : null;
    }
  }

  /** A decoded map with string keys only (as JS sees members), last value wins. */
  record StringMap(Map<String, Object> map) {}

  /** What a msgpackr peer sees. */
  static final class Msgpackr {
    static final Object UNDEFINED =
        new Object() {
          @Override
          public String toString() {
            return "undefined";
          }
        };
    static final Object EXTENSION =
        new Object() {
          @Override
          public String toString() {
            return "extension";
          }
        };

    /**
     * The value as JavaScript sees it, numbers as Double, maps as {@link StringMap} with only their
     * string keys (a non-string key can never name a routing field), null for nil.
     */
    static Object plain(MessageUnpacker u) throws IOException {
      MessageFormat f = u.getNextFormat();
      switch (f.getValueType()) {
        case NIL:
          u.unpackNil();
          return null;
        case BOOLEAN:
          return u.unpackBoolean();
        case INTEGER:
          return u.unpackBigInteger().doubleValue();
        case FLOAT:
          return u.unpackDouble();
        case STRING:
          return u.unpackString();
        case BINARY:
          {
            byte[] b = new byte[u.unpackBinaryHeader()];
            u.readPayload(b);
            return ByteBuffer.wrap(b);
          }
        case ARRAY:
          {
            int n = u.unpackArrayHeader();
            List<Object> list = new ArrayList<>();
            for (int i = 0; i < n; i++) {
              list.add(plain(u));
            }
            return list;
          }
        case MAP:
          {
            int n = u.unpackMapHeader();
            Map<String, Object> map = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
              boolean stringKey = u.getNextFormat().getValueType() == ValueType.STRING;
              Object key = plain(u);
              Object value = plain(u);
              if (stringKey) {
                map.remove(key);
                map.put((String) key, value);
              }
            }
            return new StringMap(map);
          }
        default:
          {
            var h = u.unpackExtensionTypeHeader();
            u.readPayload(h.getLength());
            return h.getType() == 0 ? UNDEFINED : EXTENSION; // a Date or an unknown extension
          }
      }
    }

    /**
     * The value msgpackr decodes from a MessagePack body after the sender's value went through
     * JSON: GATEWAY-FRAMES.md section 2 (32-bit integers stay integers, other numbers float64, -0
     * becomes 0, non-finite becomes null, undefined members dropped and undefined elements null,
     * Buffers as {type, data}, timestamps as ISO strings, keys as JavaScript strings). Numbers are
     * Long when they would be MessagePack integers, else Double.
     */
    static Object throughJson(MessageUnpacker u) throws IOException {
      Object v = throughJsonValue(u);
      return v == UNDEFINED ? null : v;
    }

    private static Object throughJsonValue(MessageUnpacker u) throws IOException {
      MessageFormat f = u.getNextFormat();
      switch (f.getValueType()) {
        case NIL:
          u.unpackNil();
          return null;
        case BOOLEAN:
          return u.unpackBoolean();
        case INTEGER:
          {
            BigInteger b = u.unpackBigInteger();
            if (b.compareTo(BigInteger.valueOf(Integer.MIN_VALUE)) >= 0
                && b.compareTo(BigInteger.valueOf(0xFFFF_FFFFL)) <= 0) {
              return b.longValue();
            }
            return number(b.doubleValue());
          }
        case FLOAT:
          return number(u.unpackDouble());
        case STRING:
          return u.unpackString();
        case BINARY:
          {
            byte[] b = new byte[u.unpackBinaryHeader()];
            u.readPayload(b);
            List<Object> bytes = new ArrayList<>();
            for (byte x : b) {
              bytes.add((long) (x & 0xff));
            }
            Map<String, Object> buffer = new LinkedHashMap<>();
            buffer.put("type", "Buffer");
            buffer.put("data", bytes);
            return buffer;
          }
        case ARRAY:
          {
            int n = u.unpackArrayHeader();
            List<Object> list = new ArrayList<>();
            for (int i = 0; i < n; i++) {
              Object v = throughJsonValue(u);
              list.add(v == UNDEFINED ? null : v);
            }
            return list;
          }
        case MAP:
          {
            int n = u.unpackMapHeader();
            Map<String, Object> map = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
              String key = io.ephemeral.protocol.Msgpackr.readKey(u); // refuses binary keys
              Object value = throughJsonValue(u);
              map.remove(key);
              if (value != UNDEFINED) {
                map.put(key, value);
              }
            }
            return map;
          }
        default:
          {
            var h = u.unpackExtensionTypeHeader();
            byte[] d = u.readPayload(h.getLength());
            if (h.getType() == 0) {
              return UNDEFINED;
            }
            if (h.getType() == -1) {
              // The date rule is msgpackr's own arithmetic, written once (MsgpackrAgreementTest
              // checks it against the real msgpackr); what is checked here is the conversion.
              Instant t = io.ephemeral.protocol.Msgpackr.date(d);
              return t == null ? null : io.ephemeral.protocol.Msgpackr.dateJson(t);
            }
            return null;
          }
      }
    }

    /**
     * A body the transcoder wrote, in the form of {@link #throughJson}; fails on anything a
     * converted JSON body cannot contain, and on int64/uint64 (a BigInt for msgpackr).
     */
    static Object written(MessageUnpacker u) throws IOException {
      MessageFormat f = u.getNextFormat();
      switch (f.getValueType()) {
        case NIL:
          u.unpackNil();
          return null;
        case BOOLEAN:
          return u.unpackBoolean();
        case INTEGER:
          assertThat(f).as("integer format").isNotIn(MessageFormat.INT64, MessageFormat.UINT64);
          return u.unpackLong();
        case FLOAT:
          return u.unpackDouble();
        case STRING:
          return u.unpackString();
        case ARRAY:
          {
            int n = u.unpackArrayHeader();
            List<Object> list = new ArrayList<>();
            for (int i = 0; i < n; i++) {
              list.add(written(u));
            }
            return list;
          }
        case MAP:
          {
            int n = u.unpackMapHeader();
            Map<String, Object> map = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
              assertThat(u.getNextFormat().getValueType())
                  .as("key type")
                  .isEqualTo(ValueType.STRING);
              String key = u.unpackString();
              assertThat(map).as("keys written once").doesNotContainKey(key);
              map.put(key, written(u));
            }
            return map;
          }
        default:
          throw new AssertionError("a body converted from JSON has no " + f);
      }
    }

    private static Object number(double d) {
      if (!Double.isFinite(d)) {
        return null;
      }
      if (d == Math.rint(d) && d >= Integer.MIN_VALUE && d <= 0xFFFF_FFFFL) {
        return (long) d;
      }
      return d;
    }
  }

  // ---- harness ----

  /**
   * Loops shared by all inputs of a target (building one costs milliseconds), cleared before each
   * input so that every input starts from the same empty broker.
   */
  private static final class Loops {
    static final Harness OPEN = create(b -> b.maxRequestSize(MAX_REQUEST));
    static final Harness SIGNED = create(b -> b.maxRequestSize(MAX_REQUEST).secret("fuzz-secret"));
    static final Harness FRAMES_A = create(b -> b.maxFrameSize(MAX_FRAME));
    static final Harness FRAMES_B = create(b -> b.maxFrameSize(MAX_FRAME));

    private static Harness create(UnaryOperator<Broker.Builder> options) {
      try {
        return new Harness(options);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** An event loop that is never started: the test thread feeds its connections directly. */
  static final class Harness implements AutoCloseable {
    final ManualClock clock = new ManualClock(1_700_000_000_000L);
    final ServerSocketChannel server;
    final BrokerServer loop;

    Harness(UnaryOperator<Broker.Builder> options) throws IOException {
      server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      server.configureBlocking(false);
      BrokerConfig config =
          BrokerConfig.resolve(
              options.apply(
                  Broker.builder()
                      .clock(clock)
                      .environment(Map.of())
                      .shutdownHook(false)
                      .logLevel("error")));
      loop =
          new BrokerServer(
              config,
              new BrokerLog(config.logLevel(), false),
              server,
              new PeerCheck(PeerAccess.ANY, null, null));
    }

    /** Empties the broker: no keys, leases, services or timers. */
    Harness fresh() {
      loop.clearState();
      return this;
    }

    /** Hands {@code bytes} to the connection as one read; returns what it answered. */
    byte[] feed(Connection c, byte[] bytes) {
      byte[] read = Arrays.copyOf(bytes, Math.max(bytes.length, 16));
      loop.clients.received(c, read, bytes.length);
      byte[] out = c.out.toByteArray();
      c.out.clear();
      return out;
    }

    @Override
    public void close() throws IOException {
      loop.shutdown();
      server.close();
    }
  }

  // ---- helpers ----

  private static List<byte[]> lines(byte[] input) {
    List<byte[]> out = new ArrayList<>();
    int start = 0;
    for (int i = 0; i <= input.length; i++) {
      if (i == input.length || input[i] == '\n') {
        out.add(Arrays.copyOfRange(input, start, i));
        start = i + 1;
      }
    }
    return out;
  }

  private static List<byte[]> splitLines(byte[] output) {
    List<byte[]> out = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < output.length; i++) {
      if (output[i] == '\n') {
        out.add(Arrays.copyOfRange(output, start, i));
        start = i + 1;
      }
    }
    assertThat(start).as("output ends with a newline").isEqualTo(output.length);
    return out;
  }

  private static Set<String> errorCodes() {
    Set<String> codes = new HashSet<>();
    for (Field f : ErrorCodes.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
        try {
          codes.add((String) f.get(null));
        } catch (IllegalAccessException e) {
          throw new AssertionError(e);
        }
      }
    }
    return codes;
  }

  static String show(byte[] input) {
    StringBuilder sb = new StringBuilder();
    for (byte b : input) {
      int c = b & 0xff;
      if (c >= 0x20 && c < 0x7f && c != '\\') {
        sb.append((char) c);
      } else {
        sb.append(String.format("\\x%02x", c));
      }
    }
    return sb.toString();
  }
}
