package io.ephemeral.broker.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import java.io.IOException;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The byte scanner of JSON routing fields against the Jackson path it shortcuts, on seeded random
 * frames: whenever the scanner answers, Jackson accepts the body and reads the same fields; and the
 * peeker as a whole (scanner, then Jackson when in doubt) answers exactly as the Jackson path
 * alone.
 */
class JsonRoutingScannerTest {
  private static final String[] KEYS = {
    "type", "id", "from", "to", "method", "status", "serviceName", "version", "methods",
    "metadata", "error", "context", "params", "data", "timestamp", "typ", "types", "t\\u0079pe",
    "ünï", ""
  };
  private static final String[] INNER = {
    "poolIndex", "poolSize", "code", "message", "deadline", "depth", "root", "chain", "x"
  };

  private final FramePeeker peeker = new FramePeeker(256);
  private final FramePeeker reference = new FramePeeker(256);
  private final JsonRoutingScanner scanner = new JsonRoutingScanner(256);

  @Test
  void answersAsTheJacksonPathOnRandomFrames() {
    Random r = new Random(424242);
    int scanned = 0;
    int valid = 0;
    int frames = 20_000;
    for (int i = 0; i < frames; i++) {
      byte[] body = frame(r);
      if (i % 4 == 0) {
        body = mutate(r, body);
      }
      Compared c = compareWithJackson(body);
      if (c.valid()) {
        valid++;
      }
      if (c.scanned()) {
        scanned++;
      }
    }
    assertThat(valid).as("enough valid frames generated").isGreaterThan(frames / 2);
    assertThat(scanned).as("the scanner answers for most valid frames").isGreaterThan(valid / 2);
  }

  /**
   * Every byte value at every place of a long string, which the scanner passes over eight, sixteen
   * and, near its end, one byte at a time: it stops exactly where Jackson would have a look.
   */
  @Test
  void answersAsTheJacksonPathForEveryByteAtEveryPlaceOfALongString() {
    byte[] head = "{\"to\":\"b\",\"params\":\"".getBytes(UTF_8);
    int scanned = 0;
    for (int place = 0; place < 64; place++) {
      for (int value = 0; value < 256; value++) {
        byte[] body = Arrays.copyOf(head, head.length + 64 + 2);
        Arrays.fill(body, head.length, head.length + 64, (byte) 'x');
        body[head.length + place] = (byte) value;
        body[body.length - 2] = '"';
        body[body.length - 1] = '}';
        if (compareWithJackson(body).scanned()) {
          scanned++;
        }
      }
    }
    // A string stays plain with the bytes 0x20 to 0x7F but '"' and '\\': 94 of 256 per place (any
    // other makes an escape, a UTF-8 sequence or an error, which the scanner leaves to Jackson).
    assertThat(scanned).isEqualTo(64 * 94);
  }

  private record Compared(boolean valid, boolean scanned) {}

  /**
   * The scanner and the whole peeker against the Jackson path for one body, placed at an offset as
   * in a read buffer: whenever the scanner answers, Jackson accepts the body with the same fields,
   * and the peeker answers as Jackson alone.
   */
  private Compared compareWithJackson(byte[] body) {
    byte[] framed = new byte[body.length + 8];
    System.arraycopy(body, 0, framed, 5, body.length); // at an offset, as in a read buffer
    String what = new String(body, UTF_8);

    FrameMessage expected = new FrameMessage();
    expected.reset(FrameMessage.Encoding.JSON);
    int expectedResult;
    try {
      expectedResult = reference.peekJsonJackson(framed, 5, body.length, expected);
    } catch (StreamConstraintsException e) {
      // As FramePeeker.peek: nesting past the limit has its own outcome (the limit is counted).
      expectedResult =
          Limit.of(e) == Limit.MAX_NESTING_DEPTH ? FramePeeker.TOO_DEEP : FramePeeker.UNDECODABLE;
    } catch (IOException | RuntimeException e) {
      expectedResult = FramePeeker.UNDECODABLE;
    }
    if (body.length == 0 || body[0] != '{') {
      return new Compared(false, false); // MessagePack by the first byte: not this path
    }

    FrameMessage direct = new FrameMessage();
    direct.reset(FrameMessage.Encoding.JSON);
    boolean scanned = scanner.scan(framed, 5, body.length, direct);
    if (scanned) {
      assertThat(expectedResult)
          .as("Jackson accepts what the scanner accepts: %s", what)
          .isEqualTo(FramePeeker.OK);
      assertThat(dump(direct)).as(what).isEqualTo(dump(expected));
    }

    FrameMessage m = new FrameMessage();
    int result = peeker.peek(framed, 5, body.length, m);
    assertThat(result).as(what).isEqualTo(expectedResult);
    if (result == FramePeeker.OK) {
      assertThat(dump(m)).as(what).isEqualTo(dump(expected));
    }
    return new Compared(expectedResult == FramePeeker.OK, scanned);
  }

  @Test
  void answersForTheFramesServiceClientsSend() {
    String call =
        "{\"type\":\"CALL\",\"id\":\"req-1-abc-1\",\"from\":\"a\",\"to\":\"b\",\"method\":\"echo\","
            + "\"params\":{\"n\":1,\"text\":\""
            + "x".repeat(10240)
            + "\"},"
            + "\"context\":{\"root\":\"root-1\",\"chain\":[\"a\",\"a\"],\"depth\":2,\"deadline\":1767225600123}}";
    byte[] b = call.getBytes(UTF_8);
    FrameMessage m = new FrameMessage();
    m.reset(FrameMessage.Encoding.JSON);
    assertThat(scanner.scan(b, 0, b.length, m)).isTrue();
    assertThat(m.type).isEqualTo("CALL");
    assertThat(m.to).isEqualTo("b");
    assertThat(m.deadline).isEqualTo(1767225600123d);
    assertThat(m.depth).isEqualTo(2d);
    assertThat(new String(b, m.contextOff, m.contextLen, UTF_8))
        .startsWith("{\"root\"")
        .endsWith("}");
  }

  @Test
  void aRepeatedMemberIsLeftToTheJacksonPathWhereTheLastOneWins() throws IOException {
    String[] frames = {
      "{\"type\":\"REGISTER\",\"serviceName\":\"s\",\"methods\":[\"a\"],\"methods\":[\"b\"]}",
      "{\"type\":\"REGISTER\",\"serviceName\":\"s\",\"metadata\":{\"poolIndex\":1,\"poolIndex\":\"x\"}}",
      "{\"type\":\"RESPONSE\",\"id\":\"1\",\"error\":{\"code\":\"A\",\"code\":\"B\"}}",
      "{\"type\":\"CALL\",\"id\":\"1\",\"context\":{\"deadline\":5,\"deadline\":null}}",
      "{\"type\":\"CALL\",\"type\":\"RESPONSE\",\"id\":\"1\"}",
    };
    for (String f : frames) {
      byte[] b = f.getBytes(UTF_8);
      FrameMessage direct = new FrameMessage();
      direct.reset(FrameMessage.Encoding.JSON);
      assertThat(scanner.scan(b, 0, b.length, direct)).as(f).isFalse();
      FrameMessage expected = new FrameMessage();
      expected.reset(FrameMessage.Encoding.JSON);
      int expectedResult = reference.peekJsonJackson(b, 0, b.length, expected);
      FrameMessage m = new FrameMessage();
      assertThat(peeker.peek(b, 0, b.length, m)).as(f).isEqualTo(expectedResult);
      assertThat(dump(m)).as(f).isEqualTo(dump(expected));
    }
    byte[] b = frames[0].getBytes(UTF_8);
    FrameMessage m = new FrameMessage();
    peeker.peek(b, 0, b.length, m);
    assertThat(m.methods).containsExactly("b");
  }

  private static String dump(FrameMessage m) {
    return String.join(
        "|",
        String.valueOf(m.encoding),
        m.type,
        m.id,
        m.from,
        m.to,
        m.method,
        m.status,
        m.errorCode,
        m.serviceName,
        String.valueOf(m.methods),
        String.valueOf(m.methodsValid),
        m.version,
        String.valueOf(m.poolMember),
        String.valueOf(m.poolIndex),
        String.valueOf(m.poolSize),
        String.valueOf(m.hasContext),
        String.valueOf(m.contextValid),
        String.valueOf(m.hasDeadline),
        String.valueOf(m.deadline),
        String.valueOf(m.hasDepth),
        String.valueOf(m.depth),
        String.valueOf(m.contextOff),
        String.valueOf(m.contextLen));
  }

  // ---- generators

  private static byte[] frame(Random r) {
    StringBuilder b = new StringBuilder();
    b.append('{');
    int n = r.nextInt(9);
    for (int i = 0; i < n; i++) {
      if (i > 0) {
        b.append(',');
      }
      ws(r, b);
      b.append('"').append(KEYS[r.nextInt(KEYS.length)]).append('"');
      ws(r, b);
      b.append(':');
      ws(r, b);
      value(r, b, 0, true);
      ws(r, b);
    }
    b.append('}');
    if (r.nextInt(10) == 0) {
      b.append(r.nextBoolean() ? " \n" : " {}");
    }
    return b.toString().getBytes(UTF_8);
  }

  private static void ws(Random r, StringBuilder b) {
    if (r.nextInt(6) == 0) {
      b.append(" \t\r\n".charAt(r.nextInt(4)));
    }
  }

  private static void value(Random r, StringBuilder b, int depth, boolean top) {
    int kind = r.nextInt(depth > 3 ? 9 : 12);
    switch (kind) {
      case 0:
        b.append("null");
        return;
      case 1:
        b.append(r.nextBoolean() ? "true" : "false");
        return;
      case 2:
      case 3:
        number(r, b);
        return;
      case 4:
      case 5:
      case 6:
      case 7:
      case 8:
        string(r, b);
        return;
      case 9:
        {
          b.append('[');
          for (int i = r.nextInt(4); i > 0; i--) {
            value(r, b, depth + 1, false);
            if (i > 1) {
              b.append(',');
            }
          }
          b.append(']');
          return;
        }
      default:
        {
          b.append('{');
          int n = r.nextInt(4);
          for (int i = 0; i < n; i++) {
            if (i > 0) {
              b.append(',');
            }
            String[] names = top ? INNER : KEYS;
            b.append('"').append(names[r.nextInt(names.length)]).append("\":");
            ws(r, b);
            value(r, b, depth + 1, false);
          }
          b.append('}');
        }
    }
  }

  private static void number(Random r, StringBuilder b) {
    switch (r.nextInt(9)) {
      case 0:
        b.append(r.nextInt());
        break;
      case 1:
        b.append(r.nextLong());
        break;
      case 2:
        b.append(1767225600000L + r.nextInt(1000000));
        break;
      case 3:
        b.append(r.nextDouble() * 1000);
        break;
      case 4:
        b.append("1e").append(r.nextInt(400) - 200);
        break;
      case 5:
        b.append("-0");
        break;
      case 6:
        b.append("123456789012345678901234567890");
        break;
      case 7:
        b.append("-1.5E+3");
        break;
      default:
        b.append(r.nextInt(10));
    }
  }

  private static void string(Random r, StringBuilder b) {
    b.append('"');
    switch (r.nextInt(8)) {
      case 0:
        b.append("plain").append(r.nextInt(100));
        break;
      case 1:
        b.append("x".repeat(r.nextInt(20000)));
        break;
      case 2:
        b.append("esc \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\uD83D\\uDE00");
        break;
      case 3:
        b.append("ünï \u20ac \uD83D\uDE00");
        break;
      case 4:
        b.append("CALL");
        break;
      case 5:
        b.append("bad \\x escape");
        break;
      default:
        b.append("s");
    }
    b.append('"');
  }

  private static byte[] mutate(Random r, byte[] body) {
    if (body.length < 2) {
      return body;
    }
    int at = 1 + r.nextInt(body.length - 1);
    switch (r.nextInt(6)) {
      case 0:
        return Arrays.copyOf(body, at); // truncated
      case 1:
        {
          byte[] out = body.clone();
          out[at] = (byte) r.nextInt(256); // any byte, invalid UTF-8 and controls included
          return out;
        }
      case 2:
        {
          byte[] out = body.clone();
          out[at] = (byte) (0x80 + r.nextInt(128));
          return out;
        }
      case 3:
        {
          byte[] out = new byte[body.length + 1];
          System.arraycopy(body, 0, out, 0, at);
          String chars = "\u0001{}[],:\"\\ 0-e.";
          out[at] = (byte) chars.charAt(r.nextInt(chars.length()));
          System.arraycopy(body, at, out, at + 1, body.length - at);
          return out;
        }
      case 4:
        {
          byte[] out = body.clone();
          out[at] = (byte) "{}[],:\" ".charAt(r.nextInt(8));
          return out;
        }
      default:
        {
          // A deep nest inside the body: around the depth limit.
          StringBuilder deep = new StringBuilder("{\"params\":");
          int d = 250 + r.nextInt(10);
          deep.append("[".repeat(d)).append("]".repeat(d)).append('}');
          return deep.toString().getBytes(UTF_8);
        }
    }
  }
}
