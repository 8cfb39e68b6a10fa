package io.ephemeral.broker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The parser's byte scanner and its Jackson path must agree on every line: same outcome, same error
 * message, same request members. Checked on hand-picked edge cases and on generated and randomly
 * mutated lines (seeded, so a failure reproduces).
 */
class RequestParserFastPathTest {
  private static final String[] NAMES = {
    "action",
    "key",
    "value",
    "ttl",
    "compressed",
    "beforeSize",
    "afterSize",
    "workerId",
    "id",
    "other",
    "act\\u0069on",
    "k\\u0065y",
    "ключ",
    ""
  };
  private static final String[] VALUES = {
    "\"get\"",
    "\"set\"",
    "\"lease\"",
    "\"release\"",
    "\"ping\"",
    "\"nope\"",
    "\"g\\u0065t\"",
    "\"\"",
    "\"k1\"",
    "\"a b\"",
    "\"x\\\"y\"",
    "\"\\\\\"",
    "\"\\/\"",
    "\"\\b\\f\\n\\r\\t\"",
    "\"\\u00e9\"",
    "\"\\ud800\"",
    "\"\\uZZZZ\"",
    "\"\\x\"",
    "\"é\"",
    "\"日本\"",
    "\"\u0001\"",
    "\"tab\tin\"",
    "0",
    "-0",
    "1",
    "60000",
    "-5",
    "007",
    "1.5",
    "60000.0",
    "6e4",
    "6E+4",
    "1e-3",
    "-",
    "1.",
    ".5",
    "+1",
    "123456789012345678",
    "1234567890123456789",
    "99999999999999999999999",
    "9007199254740991",
    "9007199254740992",
    "1" + "0".repeat(120),
    "true",
    "false",
    "null",
    "tru",
    "nul",
    "truex",
    "NaN",
    "Infinity",
    "{}",
    "[]",
    "{\"a\":1}",
    "[1,2,3]",
    "{\"a\":[1,{\"b\":null}],\"c\":\"d\"}",
    "[\"é\"]",
    "{\"a\" : [ ]  }",
    "[1,]",
    "{\"a\":1,}",
    "{\"a\"}",
    "{a:1}",
    "['x']",
    "[1 2]",
    "{\"a\":1 \"b\":2}",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
        + "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
  };
  private static final String[] SPACE = {"", "", "", " ", "  ", "\t", "\r", " \n "};

  private final CommandTable commands = ParserAgreement.commands();
  private final RequestParser parser = new RequestParser(commands, 64);

  @Test
  void handPickedLinesAgree() {
    String[] lines = {
      "{\"action\":\"get\",\"key\":\"k123\"}",
      "{\"action\":\"set\",\"key\":\"k1\",\"value\":\"" + "x".repeat(100) + "\",\"ttl\":60000}",
      "{\"action\":\"lease\",\"key\":\"pool\",\"workerId\":\"w17\",\"ttl\":60000}",
      "{\"action\":\"release\",\"workerId\":42}",
      "{\"action\":\"ping\"}",
      "{}",
      " { } ",
      "{}\r",
      "{} x",
      "{}{}",
      "[]",
      "null",
      "5",
      "\"s\"",
      " ",
      "\uFEFF{}",
      "{\"action\":\"get\",\"action\":\"set\"}",
      "{\"key\":\"a\",\"key\":5}",
      "{\"key\":\"a\",\"key\":null}",
      "{\"ttl\":60000,\"ttl\":null}",
      "{\"id\":\"abc\",\"action\":\"ping\"}",
      "{\"id\":{\"n\":[1]},\"action\":\"ping\"}",
      "{\"action\":{\"key\":\"x\"}}",
      "{\"compressed\":[\"key\"]}",
      "{\"beforeSize\":{}}",
      "{\"compressed\":\"true\"}",
      "{\"workerId\":-0}",
      "{\"workerId\":1.5}",
      "{\"workerId\":\"\"}",
      "{\"workerId\":12345678901234567890123}",
      "{\"key\":\"a\\u0000b\"}",
      "{\"value\":\"x\",}",
      "{\"value\" \"x\"}",
      "{\"value\":}",
      "{\"a\":1",
      "{\"action\":\"get\"  ,  \"key\"  :  \"k\"  }",
      "{\"value\":\"\\u0041\"}",
    };
    for (String line : lines) {
      assertAgree(line);
    }
  }

  @Test
  void theScannerReallyTakesTheCommonLines() {
    Request r = new Request();
    byte[] line =
        bytes("{\"action\":\"set\",\"key\":\"k1\",\"value\":{\"a\":[1,2]},\"ttl\":60000,\"id\":7}");
    r.reset(line, 0, line.length);
    assertThat(parser.parse(r)).isEqualTo(RequestParser.OK);
    assertThat(r.command.name).isEqualTo("set");
    assertThat(r.keyBuf).isSameAs(line);
    assertThat(new String(line, r.valueOff, r.valueEnd - r.valueOff, StandardCharsets.UTF_8))
        .isEqualTo("{\"a\":[1,2]}");
    assertThat(r.ttl).isEqualTo(60000);
    assertThat(new String(line, r.idOff, r.idEnd - r.idOff, StandardCharsets.UTF_8)).isEqualTo("7");
  }

  @Test
  void generatedAndMutatedLinesAgree() {
    Random random = new Random(20_251_123L);
    for (int i = 0; i < 30_000; i++) {
      String line = generate(random);
      assertAgree(line);
      byte[] b = bytes(line);
      for (int m = 0; m < 3; m++) {
        assertAgree(mutate(b, random));
      }
    }
  }

  private String generate(Random random) {
    StringBuilder sb = new StringBuilder();
    sb.append(pick(SPACE, random)).append('{').append(pick(SPACE, random));
    int members = random.nextInt(6);
    for (int m = 0; m < members; m++) {
      if (m > 0) {
        sb.append(pick(SPACE, random)).append(',').append(pick(SPACE, random));
      }
      sb.append('"')
          .append(pick(NAMES, random))
          .append('"')
          .append(pick(SPACE, random))
          .append(':')
          .append(pick(SPACE, random))
          .append(random.nextInt(3) == 0 ? longString(random) : pick(VALUES, random));
    }
    sb.append(pick(SPACE, random)).append('}').append(pick(SPACE, random));
    return sb.toString();
  }

  /**
   * A string long enough for the scanner's 8-byte steps, with a special character somewhere or
   * nowhere.
   */
  private static String longString(Random random) {
    String[] specials = {
      "\\\"", "\\\\", "\\n", "\\u0041", "\u0001", "\t", "é", "\"", "\\", "\\q", "\u007f"
    };
    StringBuilder sb = new StringBuilder("\"");
    int n = random.nextInt(40);
    for (int i = 0; i < n; i++) {
      if (random.nextInt(12) == 0) {
        sb.append(specials[random.nextInt(specials.length)]);
      } else {
        sb.append((char) (' ' + random.nextInt(95)));
      }
    }
    return sb.append('"').toString();
  }

  private static byte[] mutate(byte[] line, Random random) {
    if (line.length == 0) {
      return line;
    }
    int at = random.nextInt(line.length);
    byte[] pool = bytes("{}[]\",:\\ 0123456789-+.eEtrufalsn\u00e9x");
    switch (random.nextInt(3)) {
      case 0:
        {
          byte[] out = new byte[line.length - 1];
          System.arraycopy(line, 0, out, 0, at);
          System.arraycopy(line, at + 1, out, at, line.length - at - 1);
          return out;
        }
      case 1:
        {
          byte[] out = new byte[line.length + 1];
          System.arraycopy(line, 0, out, 0, at);
          out[at] = pool[random.nextInt(pool.length)];
          System.arraycopy(line, at, out, at + 1, line.length - at);
          return out;
        }
      default:
        {
          byte[] out = line.clone();
          out[at] = pool[random.nextInt(pool.length)];
          return out;
        }
    }
  }

  private void assertAgree(String line) {
    assertAgree(bytes(line));
  }

  private void assertAgree(byte[] line) {
    ParserAgreement.assertParsersAgree(parser, line);
  }

  private static String pick(String[] from, Random random) {
    return from[random.nextInt(from.length)];
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
