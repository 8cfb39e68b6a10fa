package io.ephemeral.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The tool's parsing, answer checks and report formatting; no server, no load. */
class ToolPartsTest {

  @Test
  void defaultCellsAreTheProductOfOpsAndShapesPlusOneLeaseCell() {
    Args args = new Args(new String[0], Set.of("--cells", "--ops", "--shapes"), Set.of());
    List<Cell> cells = Compare.cells(args);
    assertThat(cells).hasSize(13);
    assertThat(cells.get(0)).hasToString("ping 1×1");
    assertThat(cells.get(12)).hasToString("lease+release 1×32");
  }

  @Test
  void explicitCellsAndBadSpecs() {
    Args args =
        new Args(new String[] {"--cells", "get:1x32, set:8×1"}, Set.of("--cells"), Set.of());
    assertThat(Compare.cells(args))
        .extracting(Cell::toString)
        .containsExactly("get 1×32", "set 8×1");
    assertThatThrownBy(() -> Cell.parse("get")).hasMessageContaining("OP:CONNSxPIPELINE");
    assertThatThrownBy(() -> Cell.parse("fly:1x1")).hasMessageContaining("unknown op");
    assertThatThrownBy(() -> new Args(new String[] {"--nope"}, Set.of(), Set.of()))
        .hasMessageContaining("--nope");
    assertThatThrownBy(
            () ->
                new Args(new String[] {"--repeat", "0"}, Set.of("--repeat"), Set.of())
                    .number("--repeat", 3, 1, 99))
        .hasMessageContaining("between 1 and 99");
  }

  @Test
  void theStoreRunsReachRedisByItsSocketUnlessAskedForTcp() {
    assertThat(StoreCompare.overTcp("tcp")).isTrue();
    assertThat(StoreCompare.overTcp("unix")).isFalse();
    assertThatThrownBy(() -> StoreCompare.overTcp("udp")).hasMessageContaining("'unix'");
  }

  @Test
  void kvAnswersAreCheckedForKindAndKey() {
    Workload w = new Workload(Workload.Op.GET, Workload.Protocol.KV, 10, 20, 60_000);
    byte[] good =
        bytes("{\"ok\":true,\"value\":\"v3-xxxxxxxxxxxxxxxxx\",\"compressed\":false}\n{\"ok\"");
    assertThat(w.check(good, 0, good.length, Workload.Op.GET, 3)).isEqualTo(good.length - 5);
    assertThat(w.check(good, 0, 10, Workload.Op.GET, 3)).isZero();
    assertThatThrownBy(() -> w.check(good, 0, good.length, Workload.Op.GET, 4))
        .isInstanceOf(BenchException.class)
        .hasMessageContaining("get of key k4");
    byte[] error = bytes("{\"ok\":false,\"error\":\"not_found\"}\n");
    assertThatThrownBy(() -> w.check(error, 0, error.length, Workload.Op.GET, 1))
        .hasMessageContaining("not_found");
    byte[] set = bytes("{\"ok\":true}\n");
    assertThat(w.check(set, 0, set.length, Workload.Op.SET, -1)).isEqualTo(set.length);
  }

  @Test
  void respAnswersAreCheckedForKindAndKey() {
    Workload w = new Workload(Workload.Op.GET, Workload.Protocol.RESP, 10, 20, 60_000);
    byte[] good = bytes("$20\r\nv7-xxxxxxxxxxxxxxxxx\r\n+OK\r\n");
    assertThat(w.check(good, 0, good.length, Workload.Op.GET, 7)).isEqualTo(27);
    assertThat(w.check(good, 27, good.length, Workload.Op.SET, -1)).isEqualTo(5);
    assertThat(w.check(good, 0, 12, Workload.Op.GET, 7)).isZero();
    assertThatThrownBy(() -> w.check(good, 0, good.length, Workload.Op.GET, 1))
        .hasMessageContaining("k1");
    byte[] nil = bytes("$-1\r\n");
    assertThatThrownBy(() -> w.check(nil, 0, nil.length, Workload.Op.GET, 1))
        .isInstanceOf(BenchException.class);
    byte[] err = bytes("-ERR nope\r\n");
    assertThatThrownBy(() -> w.check(err, 0, err.length, Workload.Op.SET, 1))
        .hasMessageContaining("ERR nope");
  }

  @Test
  void leaseAndReleaseAnswersMustAlternate() {
    Workload w = new Workload(Workload.Op.LEASE, Workload.Protocol.KV, 4, 20, 60_000);
    byte[] lease = bytes("{\"ok\":true,\"value\":10000}\n");
    byte[] release = bytes("{\"ok\":true,\"released\":true}\n");
    assertThat(w.check(lease, 0, lease.length, Workload.Op.LEASE, 2)).isEqualTo(lease.length);
    assertThat(w.check(release, 0, release.length, Workload.Op.LEASE, 3)).isEqualTo(release.length);
    assertThatThrownBy(() -> w.check(release, 0, release.length, Workload.Op.LEASE, 2))
        .hasMessageContaining("lease of worker w1");
  }

  @Test
  void coordinationAnswersAreChecked() {
    Workload incr = new Workload(Workload.Op.INCR, Workload.Protocol.KV, 4, 20, 60_000);
    byte[] counted = "{\"ok\":true,\"value\":17}\n".getBytes(StandardCharsets.UTF_8);
    assertThat(incr.check(counted, 0, counted.length, Workload.Op.INCR, 1))
        .isEqualTo(counted.length);
    byte[] refused =
        "{\"ok\":false,\"error\":\"not_a_counter\"}\n".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> incr.check(refused, 0, refused.length, Workload.Op.INCR, 1))
        .hasMessageContaining("not_a_counter");
    Workload acquire = new Workload(Workload.Op.ACQUIRE, Workload.Protocol.KV, 4, 20, 60_000);
    byte[] none =
        "{\"ok\":true,\"granted\":false,\"retryAfter\":1}\n".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> acquire.check(none, 0, none.length, Workload.Op.ACQUIRE, 0))
        .as("a limiter that ran out is a failed measurement")
        .isInstanceOf(BenchException.class);
    Workload setnx = new Workload(Workload.Op.SETNX, Workload.Protocol.RESP, 4, 20, 60_000);
    byte[] answers = "+OK\r\n$-1\r\n".getBytes(StandardCharsets.UTF_8);
    assertThat(setnx.check(answers, 0, answers.length, Workload.Op.SETNX, 0)).isEqualTo(5);
    assertThat(setnx.check(answers, 5, answers.length, Workload.Op.SETNX, 1)).isEqualTo(5);
    assertThatThrownBy(
            () -> new Workload(Workload.Op.BARRIER, Workload.Protocol.RESP, 4, 20, 60_000))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void tableAndChartShowBothServersAndTheRatio() {
    Report.Stats ours = new Report.Stats(250_000, 30, 50, 90, 0.9, 0.8, Double.NaN);
    Report.Stats redis = new Report.Stats(200_000, 35, 60, 100, 1.1, 0.7, Double.NaN);
    List<Report.Row> rows =
        List.of(
            new Report.Row(Cell.parse("get:1x32"), ours, redis),
            new Report.Row(Cell.parse("lease:1x32"), ours, null));
    String table = Report.table(rows);
    assertThat(table)
        .contains(
            "| get | 1×32 | 250k | 200k | 1.25 | 30.0 / 50.0 / 90.0 | 35.0 / 60.0 / 100.0 | 0.90 | 1.10 | 0.80 / 0.70 |");
    assertThat(table).contains("| lease+release | 1×32 | 250k | – | – |");
    String svg = Report.svg(rows, "test");
    assertThat(svg).startsWith("<svg").contains("get</text>").contains("250k").endsWith("</svg>\n");
    assertThat(Report.median(new double[] {3, 1, 2})).isEqualTo(2);
    assertThat(Report.rate(1_234_567)).isEqualTo("1.23M");
    assertThat(Report.rate(61_234)).isEqualTo("61.2k");
    assertThat(Report.niceCeiling(812_000)).isEqualTo(1_000_000);
  }

  @Test
  void theStoreTableShowsRedisCpuThroughTheStoreBesideDirectAndTheirMedians() {
    Report.Stats viaBroker1 = new Report.Stats(40_000, 150, 300, 600, 16, 7, 20.0);
    Report.Stats viaBroker2 = new Report.Stats(42_000, 140, 310, 650, 15, 7, 22.0);
    Report.Stats viaBroker3 = new Report.Stats(41_000, 145, 320, 700, 17, 7, 30.0);
    Report.Stats viaBroker = Report.Stats.median(List.of(viaBroker1, viaBroker2, viaBroker3));
    assertThat(viaBroker.behindCpuMicrosPerRequest).isEqualTo(22.0);
    Report.Stats direct = new Report.Stats(200_000, 35, 100, 200, 5.5, 4, Double.NaN);
    assertThat(direct.behindCpuMicrosPerRequest).isNaN();
    String table =
        StoreCompare.redisCpuTable(
            List.of(Cell.parse("set:8x1"), Cell.parse("get:1x1")),
            List.of(viaBroker, viaBroker),
            java.util.Arrays.asList(direct, null));
    assertThat(table)
        .contains("| set | 8×1 | 22.00 | 5.50 | 4.00 |")
        .doesNotContain("| get | 1×1 |"); // no direct run: no row
  }

  @Test
  void classHistogramTotalIsRead() {
    String text =
        "num     #instances         #bytes  class name (module)\n"
            + "   1:          10            160  [B (java.base@17)\n"
            + "Total          1234        5678901\n";
    assertThat(Checks.histogramTotal(text)).isEqualTo(5_678_901L);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
