package io.ephemeral.broker.internal;

import java.util.Locale;
import org.HdrHistogram.IntCountsHistogram;

/**
 * Calls, errors and a latency histogram (HdrHistogram, nanoseconds, two significant digits) for one
 * action or one gateway method. Loop thread only.
 *
 * <p>Calls and errors count every request. The dispatcher times only every {@link #SAMPLE_EVERY}th
 * request of an action (the first one included, see {@link #sampleNext()}): two clock reads cost
 * more than answering a get, while a uniform sample gives the same percentiles.
 */
final class LatencyStats {
  /** Longest latency tracked; anything slower is recorded as this. */
  private static final long MAX_NANOS = 60_000_000_000L;

  /** One request in this many (a power of two) is timed by the dispatcher. */
  static final int SAMPLE_EVERY = 16;

  long calls;
  long errors;
  private final IntCountsHistogram histogram = new IntCountsHistogram(MAX_NANOS, 2);

  /** Whether the next call should be timed: the 1st, 17th, 33rd, … */
  boolean sampleNext() {
    return (calls & (SAMPLE_EVERY - 1)) == 0;
  }

  /** Counts a call without a latency. */
  void count(boolean error) {
    calls++;
    if (error) {
      errors++;
    }
  }

  /** Counts a call and records its latency. */
  void record(long nanos, boolean error) {
    count(error);
    histogram.recordValue(Math.max(0, Math.min(nanos, MAX_NANOS)));
  }

  /** Latencies recorded (the timed sample). */
  long timed() {
    return histogram.getTotalCount();
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
    return KvReplies.formatRatio(Math.round(nanos / 1000.0) / 1000.0);
  }

  static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.9f", nanos / 1e9);
  }
}
