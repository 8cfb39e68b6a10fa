package io.ephemeral.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Instant;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;

/**
 * The expected values are what msgpackr 1.11.14 and Node's Date give for the same bytes (the client
 * module's MsgpackrAgreementTest runs the real msgpackr on them).
 */
class MsgpackrTest {
  private static final HexFormat HEX = HexFormat.of();

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "year 0 is four digits, ff00000000fffffff1868b8400, 0000-01-01T00:00:00.000Z",
    "year -1 is a sign and six digits, ff00000000fffffff184aa5080, -000001-01-01T00:00:00.000Z",
    "year 10000 is a sign and six digits, ff000000000000003afff44180, +010000-01-01T00:00:00.000Z",
    "the last day a Date holds, ff00000000000007dba8218000, +275760-09-13T00:00:00.000Z",
    "a nanosecond past it rounds into it, ff00000001000007dba8218000, +275760-09-13T00:00:00.000Z",
    "only the low 48 bits of the seconds count, ff000000000100000000000005, 1970-01-01T00:00:05.000Z",
    "nanoseconds with the top bit set are negative, ff800000000000000000000000, 1969-12-31T23:59:57.853Z",
    "negative seconds with nanoseconds, ff1dcd6500ffffffffffffffff, 1969-12-31T23:59:59.500Z",
    "8 bytes with nanoseconds over a second, fffffffffc00000001, 1970-01-01T00:00:02.073Z",
    "8 bytes, ff7735940000000001, 1970-01-01T00:00:01.500Z",
    "4 bytes, ff5f5e1000, 2020-09-13T12:26:40.000Z",
  })
  void timestampsDecodeAsMsgpackrsDates(String name, String typeAndPayload, String json) {
    Instant date = Msgpackr.date(payload(typeAndPayload));
    assertThat(date).isNotNull();
    assertThat(Msgpackr.dateJson(date)).isEqualTo(json);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "a second past the range, ff00000000000007dba8218001",
    "the largest seconds, ff000000007fffffffffffffff",
    "a length msgpackr does not know, ff0102",
  })
  void timestampsOutsideADateAreInvalidDates(String name, String typeAndPayload) {
    assertThat(Msgpackr.date(payload(typeAndPayload))).isNull();
  }

  @Test
  void everyLengthOfExtensionZeroIsUndefined() {
    assertThat(Msgpackr.isUndefined((byte) 0)).isTrue();
    assertThat(Msgpackr.isUndefined((byte) 1)).isFalse();
    assertThat(Msgpackr.isUndefined(Msgpackr.TIMESTAMP_TYPE)).isFalse();
  }

  @ParameterizedTest(name = "{1} → {2}")
  @CsvSource({
    "a178, a string, x",
    "cb444b1ae4d6e2ef50, 1e21, 1e+21",
    "cfffffffffffffffff, the largest uint64, 18446744073709551615",
    "d3ffffffffffffffff, int64 -1, -1",
    "c0, nil, null",
    "c3, true, true",
    "cbfff8000000000000, NaN, NaN",
    "cb7ff0000000000000, Infinity, Infinity",
    "cb8000000000000000, -0, 0",
    "ca3f8ccccd, float32 1.1, 1.100000023841858",
    "d40000, undefined, undefined",
    "d5000102, undefined of length 2, undefined",
  })
  void keysBecomeTheNamesMsgpackrGivesThem(String key, String what, String name)
      throws IOException {
    try (MessageUnpacker u = MessagePack.newDefaultUnpacker(HEX.parseHex(key + "01"))) {
      assertThat(Msgpackr.readKey(u)).isEqualTo(name);
      assertThat(u.unpackInt()).as("the value after the key").isEqualTo(1);
    }
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource({
    "c4026869, binary, binary",
    "920102, an array, array",
    "8100c0, a map, map",
    "d6ff00000000, a date, date",
    "d40500, another extension, extension",
  })
  void keysMsgpackrRefusesAreRefused(String key, String what, String type) throws IOException {
    try (MessageUnpacker u = MessagePack.newDefaultUnpacker(HEX.parseHex(key))) {
      assertThatThrownBy(() -> Msgpackr.readKey(u))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("msgpackr refuses a " + type + " key");
    }
  }

  @ParameterizedTest(name = "{0} → {1}")
  @CsvSource({
    "-0.0, 00",
    "0.5, cb3fe0000000000000",
    "4294967295, ceffffffff",
    "4294967296, cb41f0000000000000",
    "-2147483648, d280000000",
    "-2147483649, cbc1e0000000200000",
    "1e21, cb444b1ae4d6e2ef50",
    "NaN, cb7ff8000000000000",
    "Infinity, cb7ff0000000000000",
    "128, cc80",
    "1.0, 01",
  })
  void numbersPackAsMsgpackrPacksThem(double number, String bytes) throws IOException {
    MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
    Msgpackr.packNumber(p, number);
    assertThat(HEX.formatHex(p.toByteArray())).isEqualTo(bytes);
    if (number == Math.rint(number) && Math.abs(number) < 1e18) {
      MessageBufferPacker q = MessagePack.newDefaultBufferPacker();
      Msgpackr.packInteger(q, (long) number);
      assertThat(HEX.formatHex(q.toByteArray())).as("as an integer").isEqualTo(bytes);
    }
  }

  /** The payload of "ff" + payload hex (the extension type first, as the vectors are written). */
  private static byte[] payload(String typeAndPayload) {
    assertThat(typeAndPayload).startsWith("ff");
    return HEX.parseHex(typeAndPayload.substring(2));
  }
}
