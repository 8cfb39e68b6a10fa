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
 *
 * <p>The histogram is made with the first latency: every action of the command table has its stats
 * from the start, and a broker that never records (metrics off, or an action never called) would
 * otherwise allocate and zero 16 KB of counts per action at every start.
 */
final class LatencyStats {
  /** Longest latency tracked; anything slower is recorded as this. */
  private static final long MAX_NANOS = 60_000_000_000L;

  /** One request in this many (a power of two) is timed by the dispatcher. */
  static final int SAMPLE_EVERY = 16;

  long calls;
  long errors;

  /** Null until the first latency is recorded. */
  private IntCountsHistogram histogram;

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
    histogram().recordValue(Math.max(0, Math.min(nanos, MAX_NANOS)));
  }

  private IntCountsHistogram histogram() {
    if (histogram == null) {
      histogram = new IntCountsHistogram(MAX_NANOS, 2);
    }
    return histogram;
  }

  /** Latencies recorded (the timed sample). */
  long timed() {
    return histogram == null ? 0 : histogram.getTotalCount();
  }

  /** Adds another's counts (for an overall figure). */
  void add(LatencyStats other) {
    calls += other.calls;
    errors += other.errors;
    if (other.histogram != null) {
      histogram().add(other.histogram);
    }
  }

  /** The latency at a percentile (0-100) in nanoseconds; 0 before anything was recorded. */
  long percentileNanos(double percentile) {
    return timed() == 0 ? 0 : histogram.getValueAtPercentile(percentile);
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
