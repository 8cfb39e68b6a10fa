package io.ephemeral.protocol;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.io.schubfach.DoubleToDecimal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class JsJsonTest {

  private static String canonical(String json) {
    return new String(JsJson.canonicalize(json.getBytes(UTF_8)), UTF_8);
  }

  private static String canonical(byte[] json) {
    return new String(JsJson.canonicalize(json), UTF_8);
  }

  // Right-hand column: String(value) in Node 20.
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "1e21, 1e+21",
    "1e20, 100000000000000000000",
    "999999999999999900000, 999999999999999900000",
    "1.5e-7, 1.5e-7",
    "1e-7, 1e-7",
    "1e-6, 0.000001",
    "0.000001234, 0.000001234",
    "1.2345e-5, 0.000012345",
    "123e-20, 1.23e-18",
    "9.5367431640625e-7, 9.5367431640625e-7",
    "0.1, 0.1",
    "0.30000000000000004, 0.30000000000000004",
    "1.0000000000000002, 1.0000000000000002",
    "4.35, 4.35",
    "-1.5, -1.5",
    "1E3, 1000",
    "60000.0, 60000",
    "100, 100",
    "-0.0, 0",
    "0, 0",
    "5e-324, 5e-324",
    "4.9e-324, 5e-324",
    "-5e-324, -5e-324",
    "1e-323, 1e-323",
    "9.9e-324, 1e-323",
    "1.5e-323, 1.5e-323",
    "2e-323, 2e-323",
    "2.5e-323, 2.5e-323",
    "4.4e-323, 4.4e-323",
    "2.2250738585072014e-308, 2.2250738585072014e-308",
    "2.225073858507201e-308, 2.225073858507201e-308",
    "1.7976931348623157e308, 1.7976931348623157e+308",
    "2e23, 2e+23",
    "1e23, 1e+23",
    "1.5e300, 1.5e+300",
    "123456789012345678901, 123456789012345680000",
    "12345678901234567890, 12345678901234567000",
    "18446744073709551616, 18446744073709552000",
    "1180591620717411303424, 1.1805916207174113e+21",
    "9007199254740992, 9007199254740992",
    "9007199254740993, 9007199254740992",
    "9007199254740994, 9007199254740994",
    "231845256772633248, 231845256772633250",
    "6847983548744970200, 6847983548744970000",
  })
  void formatNumberMatchesJavaScript(String literal, String expected) {
    assertThat(JsJson.formatNumber(Double.parseDouble(literal))).isEqualTo(expected);
  }

  @Test
  void jdkDoubleToStringIsNotShortestOnEveryJdkWhichIsWhySchubfachIsUsed() {
    // Guards the reasoning in JsJson: should jackson-core ever change its Schubfach port, the
    // table above would show it; this documents the JDK 17 behaviour that rules Double.toString
    // out.
    assertThat(DoubleToDecimal.toString(2e23)).isEqualTo("2.0E23");
    if (Runtime.version().feature() < 19) {
      assertThat(Double.toString(2e23)).isEqualTo("1.9999999999999998E23");
    }
  }

  @ParameterizedTest
  @ValueSource(doubles = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
  void formatNumberRejectsNonFiniteValues(double value) {
    assertThatThrownBy(() -> JsJson.formatNumber(value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a finite number");
  }

  @Test
  void numbersThatOverflowBecomeNull() {
    assertThat(canonical("[1e400,-1e400,1e-400,-1e-400]")).isEqualTo("[null,null,0,0]");
  }

  @Test
  void quoteEscapesOnlyWhatJsonStringifyEscapes() {
    StringBuilder out = new StringBuilder();
    JsJson.quote("a\"b\\c\b\f\n\r\t\u0000\u0001\u001f \u007f\u0080\u2028\u2029é/", out);
    assertThat(out.toString())
        .isEqualTo(
            "\"a\\\"b\\\\c\\b\\f\\n\\r\\t\\u0000\\u0001\\u001f \u007f\u0080\u2028\u2029é/\"");
  }

  @Test
  void quoteEscapesLoneSurrogatesInLowercaseAndKeepsPairs() {
    StringBuilder out = new StringBuilder();
    JsJson.quote("\uD83D\uDE00|\uD800|\uDFFF|\uDC00\uD800|x\uDBFF", out);
    assertThat(out.toString())
        .isEqualTo("\"\uD83D\uDE00|\\ud800|\\udfff|\\udc00\\ud800|x\\udbff\"");
  }

  @Test
  void quoteAppendsToExistingContent() {
    StringBuilder out = new StringBuilder("x=");
    JsJson.quote(new StringBuilder("y"), out);
    assertThat(out.toString()).isEqualTo("x=\"y\"");
  }

  @Test
  void objectMembersPutArrayIndexKeysFirstInNumericOrder() {
    assertThat(
            canonical(
                "{\"b\":0,\"10\":1,\"2\":2,\"01\":3,\"-1\":4,\"4294967294\":5,"
                    + "\"4294967295\":6,\"a\":7,\"0\":8,\"1.0\":9,\"\":10}"))
        .isEqualTo(
            "{\"0\":8,\"2\":2,\"10\":1,\"4294967294\":5,\"b\":0,\"01\":3,\"-1\":4,"
                + "\"4294967295\":6,\"a\":7,\"1.0\":9,\"\":10}");
  }

  @Test
  void duplicateKeysKeepFirstPositionAndLastValue() {
    assertThat(canonical("{\"a\":1,\"b\":2,\"a\":3}")).isEqualTo("{\"a\":3,\"b\":2}");
  }

  @Test
  void duplicateKeysInLargeObjectsUseTheSameRule() {
    StringBuilder in = new StringBuilder("{");
    StringBuilder out = new StringBuilder("{");
    for (int i = 0; i < 50; i++) {
      in.append("\"k").append(i).append("\":").append(i).append(',');
      out.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":").append(i == 7 ? 99 : i);
    }
    in.append("\"k7\":99}");
    out.append('}');
    assertThat(canonical(in.toString())).isEqualTo(out.toString());
  }

  @Test
  void whitespaceIsDroppedAndJsonWhitespaceAroundTheValueIsAccepted() {
    assertThat(canonical(" \t\r\n{ \"a\" : [ 1 , true , null , \"x\" ] }\r\n "))
        .isEqualTo("{\"a\":[1,true,null,\"x\"]}");
  }

  @ParameterizedTest
  @ValueSource(strings = {"\"s\"", "1", "true", "false", "null", "[]", "{}"})
  void anyJsonValueIsAcceptedAtTopLevel(String json) {
    assertThat(canonical(json)).isEqualTo(json);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "   ",
        "{}{}",
        "{} x",
        "1 2",
        "{\"a\":1,}",
        "[1,]",
        "[01]",
        "+1",
        ".5",
        "1.",
        "NaN",
        "Infinity",
        "'a'",
        "{a:1}",
        "// c\n{}",
        "\"\t\"",
        "\"\\x41\"",
        "\"\\u12\"",
        "\"\\u000\u4f34\"",
        "{\"\\u00\u06341\":1}",
        "\"\\u\uff10\uff10\uff14\uff11\"",
        "\"\\u00e\"",
        "{}\u0000",
        "\u00a0{}",
        "\u2028{}",
        "\ufeff{}",
        "[",
        "{\"a\"",
        "tru",
        "true1",
        "nul",
      })
  void rejectsWhatJsonParseRejects(String json) {
    assertThatThrownBy(() -> JsJson.canonicalize(json.getBytes(UTF_8)))
        .isInstanceOf(JsJsonException.class)
        .hasMessageStartingWith("invalid JSON");
  }

  @Test
  void utf8ByteOrderMarkIsRejectedLikeJsonParseOfABufferString() {
    byte[] withBom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '{', '}'};
    assertThatThrownBy(() -> JsJson.canonicalize(withBom)).isInstanceOf(JsJsonException.class);
  }

  @Test
  void bytesThatLookLikeUtf16AreReadAsUtf8() {
    // Jackson's byte parser would auto-detect UTF-16 here; Node sees NUL characters.
    byte[] utf16 = {0, '1', 0, ' '};
    assertThatThrownBy(() -> JsJson.canonicalize(utf16)).isInstanceOf(JsJsonException.class);
  }

  @Test
  void invalidUtf8BecomesReplacementCharactersExactlyAsNodeDecodesIt() {
    byte[] in = {
      '"',
      (byte) 0xE0,
      (byte) 0x80,
      (byte) 0x80, // overlong: 3 x U+FFFD
      (byte) 0xED,
      (byte) 0xA0,
      (byte) 0x80, // encoded surrogate: 3 x U+FFFD
      (byte) 0xE2,
      (byte) 0x82,
      'a', // truncated: 1 x U+FFFD
      (byte) 0xF4,
      (byte) 0x90,
      (byte) 0x80,
      (byte) 0x80, // above U+10FFFF: 4 x U+FFFD
      (byte) 0xC0,
      (byte) 0xAF, // overlong '/': 2 x U+FFFD
      (byte) 0xF0,
      (byte) 0x9F,
      (byte) 0x98,
      '"' // truncated 4-byte: 1 x U+FFFD
    };
    assertThat(canonical(in))
        .isEqualTo("\"" + "\uFFFD".repeat(7) + "a" + "\uFFFD".repeat(7) + "\"");
  }

  @Test
  void truncatedSequenceAtEndOfInputIsOneReplacementCharacter() {
    byte[] in = {'"', '"', ' ', (byte) 0xF0, (byte) 0x9F};
    // The replacement character is outside the string: not whitespace, so invalid JSON.
    assertThatThrownBy(() -> JsJson.canonicalize(in)).isInstanceOf(JsJsonException.class);
  }

  @Test
  void escapesAreDecodedAndReencodedTheJsonStringifyWay() {
    assertThat(canonical("[\"\\u00e9\\u00C9\\/\\u2028\\u0041\\ud800\\uDBFF\\uDFFF\\u001F\"]"))
        .isEqualTo("[\"éÉ/\u2028A\\ud800\uDBFF\uDFFF\\u001f\"]");
  }

  @Test
  void loneSurrogateEscapesAreAcceptedInMemberNamesLikeJsonParseDoes() {
    // Jackson alone rejects these names; Escapes.shield works around it.
    assertThat(canonical("{\"\\ud83d\":1,\"a\\uDC00b\":2,\"\\ud800\\ud800\":3}"))
        .isEqualTo("{\"\\ud83d\":1,\"a\\udc00b\":2,\"\\ud800\\ud800\":3}");
    assertThat(canonical("{\"\\ud83d\\ude00\":[\"\\udfff\"]}"))
        .isEqualTo("{\"\uD83D\uDE00\":[\"\\udfff\"]}");
  }

  @Test
  void shieldMarkerCharacterRoundTripsNextToLoneSurrogates() {
    String mark = "\uFDD0";
    assertThat(canonical("{\"" + mark + "\\ud800" + mark + mark + "\":\"\\ufdd0\\uFDD0\\udc00\"}"))
        .isEqualTo("{\"" + mark + "\\ud800" + mark + mark + "\":\"" + mark + mark + "\\udc00\"}");
  }

  @Test
  void escapedBackslashBeforeUIsNotAnEscape() {
    assertThat(canonical("{\"\\\\ud800\":\"\\ud800\\\\\"}"))
        .isEqualTo("{\"\\\\ud800\":\"\\ud800\\\\\"}");
  }

  @Test
  void shieldingKeepsInvalidDocumentsInvalid() {
    for (String json :
        new String[] {
          "{\"\\ud800\":}",
          "\\ud800",
          "{\"\\ud800\" 1}",
          "[\"\\ud800\\x\"]",
          "{\"\\ud800\\u12\":1}",
        }) {
      assertThatThrownBy(() -> JsJson.canonicalize(json.getBytes(UTF_8)))
          .as(json)
          .isInstanceOf(JsJsonException.class);
    }
  }

  @Test
  void largeObjectsKeepJavaScriptOrderAfterRemoval() {
    JsObject object = new JsObject();
    for (int i = 20; i > 0; i--) {
      object.put("k" + i, JsJson.NULL);
      object.put(Integer.toString(i * 7), JsJson.TRUE);
    }
    object.put("k5", JsJson.FALSE);
    assertThat(object.remove("k10")).isSameAs(JsJson.NULL);
    assertThat(object.remove("70")).isSameAs(JsJson.TRUE);
    assertThat(object.remove("missing")).isNull();
    object.put("k10", JsJson.TRUE);
    StringBuilder expected = new StringBuilder("{");
    for (int i = 1; i <= 20; i++) {
      if (i != 10) {
        expected.append('"').append(i * 7).append("\":true,");
      }
    }
    for (int i = 20; i > 0; i--) {
      if (i != 10) {
        String value = i == 5 ? "false" : "null";
        expected.append("\"k").append(i).append("\":").append(value).append(',');
      }
    }
    expected.append("\"k10\":true}");
    assertThat(new String(JsJson.serialize(object), UTF_8)).isEqualTo(expected.toString());
  }

  @Test
  void arrayIndexRecognisesOnlyCanonicalIndexes() {
    assertThat(JsObject.arrayIndex("0")).isZero();
    assertThat(JsObject.arrayIndex("4294967294")).isEqualTo(4_294_967_294L);
    for (String key :
        new String[] {
          "",
          "01",
          "-1",
          "4294967295",
          "9999999999",
          "1.0",
          "1e3",
          " 1",
          "+1",
          "\uFF11",
          "12345678901"
        }) {
      assertThat(JsObject.arrayIndex(key)).as(key).isEqualTo(-1);
    }
  }

  @Test
  void nestingUpToMaxDepthIsAcceptedAndDeeperIsRejected() {
    String ok = "[".repeat(64) + "]".repeat(64);
    assertThat(canonical(ok)).isEqualTo(ok);
    String tooDeep = "[".repeat(65) + "]".repeat(65);
    assertThatThrownBy(() -> JsJson.canonicalize(tooDeep.getBytes(UTF_8)))
        .isInstanceOf(JsJsonException.class)
        .hasMessageContaining("nesting depth");
    byte[] three = "{\"a\":[{}]}".getBytes(UTF_8);
    assertThat(JsJson.canonicalize(three, 0, three.length, 3)).isEqualTo(three);
    assertThatThrownBy(() -> JsJson.canonicalize(three, 0, three.length, 2))
        .isInstanceOf(JsJsonException.class);
    byte[] scalar = "7".getBytes(UTF_8);
    assertThat(JsJson.canonicalize(scalar, 0, 1, 0)).isEqualTo(scalar);
  }

  @Test
  void maxDepthOutsideSupportedRangeIsAnArgumentError() {
    byte[] json = "{}".getBytes(UTF_8);
    assertThatThrownBy(() -> JsJson.canonicalize(json, 0, 2, -1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> JsJson.canonicalize(json, 0, 2, 1001))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(JsJson.canonicalize(json, 0, 2, 1000)).isEqualTo(json);
  }

  @Test
  void numbersLongerThanTheLimitAreRejected() {
    String longest = "1" + "0".repeat(999); // 1e999: overflows to Infinity, written as null
    assertThat(canonical(longest)).isEqualTo("null");
    String tooLong = "1" + "0".repeat(1000);
    assertThatThrownBy(() -> JsJson.canonicalize(tooLong.getBytes(UTF_8)))
        .isInstanceOf(JsJsonException.class)
        .hasMessageContaining("Number value length");
  }

  @Test
  void longStringsAndKeysAreNotLimitedByTheParser() {
    String big = "x".repeat(100_000);
    String json = "{\"" + big + "\":\"" + big + "\"}";
    assertThat(canonical(json)).isEqualTo(json);
  }

  @Test
  void offsetAndLengthSelectTheDocument() {
    byte[] buffer = "xx[1.0]yy".getBytes(UTF_8);
    assertThat(JsJson.canonicalize(buffer, 2, 5, JsJson.DEFAULT_MAX_DEPTH))
        .isEqualTo("[1]".getBytes(UTF_8));
    assertThatThrownBy(() -> JsJson.canonicalize(buffer, 5, 5, JsJson.DEFAULT_MAX_DEPTH))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void errorMessagesDoNotEchoTheDocument() {
    String secret = "{\"password\":\"hunter2\" oops}";
    assertThatThrownBy(() -> JsJson.canonicalize(secret.getBytes(UTF_8)))
        .isInstanceOf(JsJsonException.class)
        .hasMessageContaining("line 1, column")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2"));
  }
}
