package io.ephemeral.broker.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A JSON peer gets from a MessagePack peer what Node's JSON.stringify makes of msgpackr's decoding
 * of the same bytes, and a MessagePack peer gets msgpackr's packing of a JSON peer's numbers. The
 * expected texts are Node's (msgpackr 1.11.14; see the protocol module's MsgpackrTest and the
 * client module's MsgpackrAgreementTest, which runs the real msgpackr).
 */
class TranscoderMsgpackrRulesTest {
  private static final HexFormat HEX = HexFormat.of();
  private final Transcoder transcoder = new Transcoder(256);

  private byte[] transcode(byte[] body, FrameMessage.Encoding from, FrameMessage.Encoding to)
      throws IOException {
    ByteOutput out = new ByteOutput();
    transcoder.transcode(body, 0, body.length, from, to, out);
    byte[] frame = out.toByteArray();
    return Arrays.copyOfRange(frame, 4, frame.length);
  }

  private String toJson(String msgpackHex) throws IOException {
    byte[] json =
        transcode(
            HEX.parseHex(msgpackHex), FrameMessage.Encoding.MSGPACK, FrameMessage.Encoding.JSON);
    return new String(json, StandardCharsets.UTF_8);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "year 0 | 91c70cff00000000fffffff1868b8400 | [\"0000-01-01T00:00:00.000Z\"]",
        "year -1 | 91c70cff00000000fffffff184aa5080 | [\"-000001-01-01T00:00:00.000Z\"]",
        "year 10000 | 91c70cff000000000000003afff44180 | [\"+010000-01-01T00:00:00.000Z\"]",
        "seconds past 48 bits | 91c70cff000000000100000000000005 | [\"1970-01-01T00:00:05.000Z\"]",
        "past a Date's range | 91c70cff00000000000007dba8218001 | [null]",
        "undefined of length 2 in a map | 81a178d5000102 | {}",
        "undefined of length 0 in an array | 92c7000001 | [null,1]",
        "a uint64 key | 81cfffffffffffffffff01 | {\"18446744073709551615\":1}",
        "a NaN key | 81cbfff800000000000001 | {\"NaN\":1}",
        "an undefined key | 81d4000001 | {\"undefined\":1}",
      })
  void messagePackReachesAJsonPeerAsNodeWouldSeeIt(String name, String msgpack, String json)
      throws IOException {
    assertThat(toJson(msgpack)).isEqualTo(json);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "a binary key | 81c402686901 | binary",
        "an array key | 8192010201 | array",
        "a date key | 81d6ff0000000001 | date",
      })
  void keysMsgpackrRefusesAreNotConverted(String name, String msgpack, String type) {
    assertThatThrownBy(() -> toJson(msgpack))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("msgpackr refuses a " + type + " key");
  }

  @Test
  void minusZeroReachesAMessagePackPeerAsMsgpackrPacksIt() throws IOException {
    // JSON.parse gives -0 and msgpackr packs it as the integer 0 (-0 >>> 0 === -0).
    byte[] body = "{\"x\":-0.0,\"y\":2.0,\"z\":4294967296}".getBytes(StandardCharsets.UTF_8);
    byte[] packed = transcode(body, FrameMessage.Encoding.JSON, FrameMessage.Encoding.MSGPACK);
    assertThat(HEX.formatHex(packed)).isEqualTo("83a17800a17902a17acb41f0000000000000");
  }
}
