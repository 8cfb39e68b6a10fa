package io.ephemeral.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ephemeral.client.service.Serializer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The gateway benchmark's cell parsing, answer check and report; no broker, no load. */
class GatewayPartsTest {

  @Test
  void cellsParseAndLabelThemselves() {
    GatewayCell small = GatewayCell.parse("small:json:1");
    assertThat(small.payloadBytes).isZero();
    assertThat(small.serializer).isEqualTo(Serializer.JSON);
    assertThat(small).hasToString("small JSON sequential");
    GatewayCell big = GatewayCell.parse(" 10K:MsgPack:64 ");
    assertThat(big.payloadBytes).isEqualTo(10_240);
    assertThat(big.serializer).isEqualTo(Serializer.MSGPACK);
    assertThat(big).hasToString("10 KiB MessagePack 64 in flight");
    assertThat(GatewayCell.parse("512:json:8").payloadLabel()).isEqualTo("512 B");
    assertThat(GatewayCell.parse("1m:json:8").payloadLabel()).isEqualTo("1 MiB");
    assertThat(GatewayCell.parseAll(String.join(",", GatewayCell.DEFAULTS))).hasSize(8);
    GatewayCell proxy = GatewayCell.parse("small:json:1:proxy");
    assertThat(proxy.proxy).isTrue();
    assertThat(proxy).hasToString("small JSON sequential proxy");
    assertThat(GatewayCell.parse("small:json:1:call").proxy).isFalse();
    assertThat(small.proxy).isFalse();
  }

  @Test
  void aProxyCellIsJudgedAgainstItsCallCellOnTheCpuPerCall() {
    GatewayReport.Stats call = new GatewayReport.Stats(10_000, 90, 120, 200, 20, 40, 30);
    GatewayReport.Stats near = new GatewayReport.Stats(9_900, 91, 125, 210, 20, 41.6, 30);
    GatewayReport.Stats far = new GatewayReport.Stats(9_000, 99, 130, 220, 20, 44, 30);
    List<GatewayReport.Row> rows =
        List.of(
            new GatewayReport.Row(GatewayCell.parse("small:json:1"), call),
            new GatewayReport.Row(GatewayCell.parse("small:json:1:proxy"), near),
            new GatewayReport.Row(GatewayCell.parse("small:msgpack:1"), call),
            new GatewayReport.Row(GatewayCell.parse("small:msgpack:1:proxy"), far));
    assertThat(GatewayReport.verdicts(rows))
        .contains(
            "proxy vs call, small JSON sequential: CPU 91.60 vs 90.00 µs/call (+1.8%; the"
                + " caller's 41.60 vs 40.00, +4.0%), calls/s 9.9k vs 10.0k (-1.0%); target ≤ +5%"
                + " CPU per call: met",
            "proxy vs call, small MessagePack sequential: CPU 94.00 vs 90.00 µs/call (+4.4%; the"
                + " caller's 44.00 vs 40.00, +10.0%), calls/s 9.0k vs 10.0k (-10.0%); target ≤"
                + " +5% CPU per call: met");
    GatewayReport.Stats costly = new GatewayReport.Stats(8_000, 99, 130, 220, 22, 48, 30);
    assertThat(
            GatewayReport.verdicts(
                List.of(
                    new GatewayReport.Row(GatewayCell.parse("small:json:64"), call),
                    new GatewayReport.Row(GatewayCell.parse("small:json:64:proxy"), costly))))
        .contains(
            "proxy vs call, small JSON 64 in flight: CPU 100.00 vs 90.00 µs/call (+11.1%; the"
                + " caller's 48.00 vs 40.00, +20.0%), calls/s 8.0k vs 10.0k (-20.0%); target ≤ +5%"
                + " CPU per call: MISSED");
    assertThat(GatewayReport.table(rows, true)).contains("| caller API |").contains("| proxy |");
  }

  @Test
  void badCellsAreRefusedWithTheReason() {
    assertThatThrownBy(() -> GatewayCell.parse("small:json"))
        .hasMessageContaining("PAYLOAD:ENCODING:INFLIGHT");
    assertThatThrownBy(() -> GatewayCell.parse("small:json:1:rpc"))
        .hasMessageContaining("unknown caller API 'rpc'");
    assertThatThrownBy(() -> GatewayCell.parse("small:xml:1"))
        .hasMessageContaining("unknown encoding 'xml'");
    assertThatThrownBy(() -> GatewayCell.parse("huge:json:1"))
        .hasMessageContaining("'small', a byte count");
    assertThatThrownBy(() -> GatewayCell.parse("0:json:1")).hasMessageContaining("must be 1..");
    assertThatThrownBy(() -> GatewayCell.parse("small:json:0"))
        .hasMessageContaining("in flight must be 1..");
    assertThatThrownBy(() -> GatewayCell.parse("small:json:x"))
        .hasMessageContaining("whole number");
    assertThatThrownBy(() -> GatewayCell.parseAll(" , ")).hasMessageContaining("no cell");
    assertThatThrownBy(() -> GatewayBench.calleeApart("elsewhere"))
        .hasMessageContaining("'process'");
    assertThat(GatewayBench.directHandlers("direct")).isTrue();
    assertThat(GatewayBench.directHandlers("pool")).isFalse();
    assertThatThrownBy(() -> GatewayBench.directHandlers("inline")).hasMessageContaining("'pool'");
    assertThat(GatewayBench.treeParams("tree")).isTrue();
    assertThat(GatewayBench.treeParams("bytes")).isFalse();
    assertThatThrownBy(() -> GatewayBench.treeParams("json")).hasMessageContaining("'bytes'");
    assertThat(GatewayBench.directCallbacks("direct")).isTrue();
    assertThat(GatewayBench.directCallbacks("pool")).isFalse();
    assertThatThrownBy(() -> GatewayBench.directCallbacks("x"))
        .hasMessageContaining("--caller-callbacks");
    assertThat(GatewayBench.splitOpts("  -Xmx1g   -XX:+UseSerialGC "))
        .containsExactly("-Xmx1g", "-XX:+UseSerialGC");
    assertThat(GatewayBench.splitOpts(" ")).isEmpty();
  }

  @Test
  void theEchoMustReturnTheSameNumberAndString() throws Exception {
    ObjectMapper json = new ObjectMapper();
    JsonNode sent = GatewayBench.params(7, GatewayBench.filler(10_240));
    assertThat(sent.get("text").textValue())
        .hasSize(10_240)
        .startsWith("abcdefghijklmnopqrstuvwxyza");
    // A decoder may read the number back as an int: still the same answer.
    JsonNode decoded = json.readTree(json.writeValueAsBytes(sent));
    GatewayBench.check(sent, decoded);
    JsonNode small = GatewayBench.params(3, GatewayBench.filler(0));
    assertThatThrownBy(
            () -> GatewayBench.check(small, json.readTree("{\"n\":4,\"text\":\"ping\"}")))
        .isInstanceOf(BenchException.class)
        .hasMessageContaining("call n=3");
    assertThatThrownBy(
            () -> GatewayBench.check(small, json.readTree("{\"n\":3,\"text\":\"pong\"}")))
        .isInstanceOf(BenchException.class);
    assertThatThrownBy(
            () -> GatewayBench.check(small, json.readTree("{\"n\":3,\"text\":\"ping\",\"x\":1}")))
        .isInstanceOf(BenchException.class);
    assertThatThrownBy(
            () -> GatewayBench.check(small, json.readTree("{\"n\":\"3\",\"text\":\"ping\"}")))
        .isInstanceOf(BenchException.class);
    assertThatThrownBy(() -> GatewayBench.check(small, null)).isInstanceOf(BenchException.class);
  }

  @Test
  void tableShowsEachCellAndTheVerdictsNameTheTargets() {
    GatewayReport.Stats seq =
        GatewayReport.Stats.median(
            List.of(
                new GatewayReport.Stats(20_000, 48, 90, 300, 5, 20, 18),
                new GatewayReport.Stats(21_000, 45, 80, 200, 4, 21, 19),
                new GatewayReport.Stats(19_000, 70, 99, 900, 6, 22, 17)));
    assertThat(seq.callsPerSec).isEqualTo(20_000);
    assertThat(seq.p50Micros).isEqualTo(48);
    GatewayReport.Stats many = new GatewayReport.Stats(123_456, 400, 900, 2000, 3.5, 8, 7);
    List<GatewayReport.Row> rows =
        List.of(
            new GatewayReport.Row(GatewayCell.parse("small:json:1"), seq),
            new GatewayReport.Row(GatewayCell.parse("small:msgpack:64"), many),
            new GatewayReport.Row(GatewayCell.parse("10k:json:64"), many));
    String apart = GatewayReport.table(rows, true);
    assertThat(apart)
        .contains("| small | JSON | 1 | 20.0k | 48.0 | 90.0 | 300.0 | 5.00 | 21.00 | 18.00 |");
    assertThat(apart)
        .contains("| small | MessagePack | 64 | 123k | 400.0 | 900.0 | – | 3.50 | 8.00 | 7.00 |");
    assertThat(apart).contains("| 10 KiB | JSON | 64 |");
    String inside = GatewayReport.table(rows, false);
    assertThat(inside)
        .contains("caller+callee JVM CPU")
        .contains("| 5.00 | 21.00 |\n")
        .doesNotContain("18.00");
    assertThat(GatewayReport.verdicts(rows))
        .containsExactly(
            "sequential p50, small JSON: 48.0 µs (target ≤ 60 µs): met",
            "64 in flight, small MessagePack: 123k calls/s (target ≥ 100k): met");
    GatewayReport.Stats slow = new GatewayReport.Stats(9_000, 61, 99, 200, 5, 20, 18);
    assertThat(
            GatewayReport.verdicts(
                List.of(
                    new GatewayReport.Row(GatewayCell.parse("small:json:64"), slow),
                    new GatewayReport.Row(GatewayCell.parse("small:json:1"), slow))))
        .containsExactly(
            "64 in flight, small JSON: 9.0k calls/s (target ≥ 100k): MISSED",
            "sequential p50, small JSON: 61.0 µs (target ≤ 60 µs): MISSED");
  }

  @Test
  void peersAreNamedAndTheirPayloadIsCheckedInBothEncodings() {
    assertThat(GatewayPeers.parse("grpc, NATS,grpc")).containsExactly("grpc", "nats");
    assertThat(GatewayPeers.parse("")).isEmpty();
    assertThatThrownBy(() -> GatewayPeers.parse("nats,zeromq"))
        .hasMessageContaining("unknown peer 'zeromq'");
    for (Serializer encoding : Serializer.values()) {
      GatewayPeers.Codec codec = new GatewayPeers.Codec(encoding, GatewayBench.filler(10_240));
      byte[] sent = codec.encode(41);
      codec.check(41, sent);
      assertThatThrownBy(() -> codec.check(42, sent))
          .isInstanceOf(BenchException.class)
          .hasMessageContaining("call n=42");
      GatewayPeers.Codec other = new GatewayPeers.Codec(encoding, GatewayBench.filler(0));
      assertThatThrownBy(() -> other.check(41, sent)).isInstanceOf(BenchException.class);
      assertThatThrownBy(() -> codec.check(41, new byte[0])).isInstanceOf(BenchException.class);
    }
    byte[] json = new GatewayPeers.Codec(Serializer.JSON, "ping").encode(7);
    assertThat(new String(json, java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo("{\"n\":7,\"text\":\"ping\"}");
    GatewayPeers.Codec ping = new GatewayPeers.Codec(Serializer.JSON, "ping");
    assertThatThrownBy(
            () ->
                ping.check(
                    7,
                    "{\"n\":7,\"text\":\"ping\",\"x\":1}"
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8)))
        .isInstanceOf(BenchException.class);
  }

  @Test
  void theSideBySideTableDividesOursByTheBestPeer() {
    GatewayReport.Stats ours = new GatewayReport.Stats(120_000, 400, 900, 2000, 4, 5, 6);
    GatewayReport.Stats nats = new GatewayReport.Stats(100_000, 500, 900, 2000, 3, 6, 7);
    GatewayReport.Stats grpc = new GatewayReport.Stats(150_000, 300, 900, 2000, Double.NaN, 5, 5);
    String table =
        GatewayReport.comparison(
            List.of(GatewayCell.parse("small:json:64")),
            List.of("ours", "NATS", "gRPC"),
            List.of(List.of(ours), List.of(nats), List.of(grpc)));
    assertThat(table)
        .contains("| ours calls/s | NATS calls/s | gRPC calls/s | ours/best |")
        .contains("| small | JSON | 64 | 120k | 100k | 150k | 0.80 | 15.0 | 16.0 | 10.0 | 1.50 |");
    assertThat(
            GatewayReport.table(
                List.of(new GatewayReport.Row(GatewayCell.parse("small:json:1"), grpc)),
                true,
                null))
        .doesNotContain("NaN")
        .contains("| small | JSON | 1 | 150k | 300.0 | 900.0 | 2000.0 | 5.00 | 5.00 |");
  }

  @Test
  void theBusyHostTableGivesWhatEachSystemKeptOfItsQuietRate() {
    String table =
        BusyHost.table(
            List.of("small JSON sequential"),
            List.of("ours", "NATS"),
            new double[][] {{20_000, 10_000}},
            new double[][] {{9_000, 6_000}},
            new double[][] {{0.61, 0.7}});
    assertThat(table)
        .contains("| small JSON sequential | ours | 20.0k | 9.0k | 0.45 | 61 % |")
        .contains("| small JSON sequential | NATS | 10.0k | 6.0k | 0.60 | 70 % |");
  }

  @Test
  void nodePeerResultsAreReadFromEitherShapeAndTabled() throws Exception {
    ObjectMapper json = new ObjectMapper();
    String one =
        "{\"name\":\"Sequential\",\"totalCalls\":100,\"failedCalls\":2,\"throughput\":1500.5,"
            + "\"avgLatency\":0.5}";
    assertThat(NodePeers.parse(json.readTree(one)))
        .containsExactly(new NodePeers.Result("Sequential", 1500.5, 100, 2, 0.5));
    List<NodePeers.Result> two =
        NodePeers.parse(
            json.readTree(
                "{\"result1\":" + one + ",\"result2\":" + one.replace("Seq", "Par") + "}"));
    assertThat(two).extracting(NodePeers.Result::name).containsExactly("Sequential", "Paruential");
    String table =
        NodePeers.table(
            java.util.Map.of(
                "Sequential", List.of(new NodePeers.Result("Sequential", 3000, 100, 0, 0.25))),
            java.util.Map.of("Sequential", List.of(two.get(0))));
    assertThat(table).contains("| Sequential | 100 | 3.0k | 1.5k | 2.00 | 0 | 2 | 0.25 | 0.50 |");
  }
}
