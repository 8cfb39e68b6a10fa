package io.ephemeral.broker;

import java.util.Locale;
import org.HdrHistogram.IntCountsHistogram;

/**
 * Calls, errors and a latency histogram (HdrHistogram, nanoseconds, two significant digits) for
 * one action or one gateway method. Loop thread only.
 */
final class LatencyStats {
  /** Longest latency tracked; anything slower is recorded as this. */
  private static final long MAX_NANOS = 60_000_000_000L;

  long calls;
  long errors;
  private final IntCountsHistogram histogram = new IntCountsHistogram(MAX_NANOS, 2);

  void record(long nanos, boolean error) {
    calls++;
    if (error) {
      errors++;
    }
    histogram.recordValue(Math.max(0, Math.min(nanos, MAX_NANOS)));
  }

  /** Adds another's counts (for an overall figure). */
  void add(LatencyStats other) {
    calls += other.calls;
    errors += other.errors;
    histogram.add(other.histogram);
  }

  /** The latency at a percentile (0-100) in nanoseconds; 0 before anything was recorded. */
  long percentileNanos(double percentile) {
    return histogram.getTotalCount() == 0 ? 0 : histogram.getValueAtPercentile(percentile);
  }

  /** {"p50":ms,"p95":ms,"p99":ms,"p999":ms} with microsecond precision. */
  void writeJson(ByteOutput out) {
    out.ascii("{\"p50\":").ascii(millis(percentileNanos(50)));
    out.ascii(",\"p95\":").ascii(millis(percentileNanos(95)));
    out.ascii(",\"p99\":").ascii(millis(percentileNanos(99)));
    out.ascii(",\"p999\":").ascii(millis(percentileNanos(99.9))).write((byte) '}');
  }

  static String millis(long nanos) {
    return KvCommands.formatRatio(Math.round(nanos / 1000.0) / 1000.0);
  }

  static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.9f", nanos / 1e9);
  }
}
