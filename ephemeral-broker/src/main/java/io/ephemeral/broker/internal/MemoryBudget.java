package io.ephemeral.broker.internal;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.Locale;

/**
 * The broker's one memory budget ({@code maxMemory}, as Redis' {@code maxmemory}): what a peer can
 * make the broker hold, counted in bytes against one maximum. Loop thread only.
 *
 * <p>Implementation notes.
 *
 * <ul>
 *   <li>Each part reports what it holds as it changes, by {@link #add}: the store its keys and
 *       values, the leases their holders, pools and waiters, the gateway its registrations, calls
 *       in flight and call graph, and every connection its input and output buffers (by capacity).
 *       {@link #used} is the sum, kept up to date, so checking a write is one comparison.
 *   <li>Figures are estimates of what the JVM holds, not exact: byte arrays by length, strings as
 *       two bytes a character, objects by fixed overheads measured once. They err on the high side.
 *   <li>Writes check {@link #fits} before they copy anything and are refused ({@code memory_limit})
 *       otherwise; what completes or frees something (reads, deletes, releases, responses) is never
 *       refused, so its buffers may take the total a little past the maximum.
 *   <li>Unfinished input (requests not yet read whole) may hold half the budget ({@link
 *       #fitsInput}), however full the rest is, so that requests keep being read and answered; and
 *       connections that each send a long partial line cannot take more than that half.
 * </ul>
 */
final class MemoryBudget {
  /** What is counted, for stats and metrics. */
  enum Part {
    VALUES("values"),
    LEASES("leases"),
    GATEWAY("gateway"),
    INPUT("input"),
    OUTPUT("output"),
    COORDINATION("coordination");

    final String label;

    Part(String label) {
      this.label = label;
    }
  }

  /** Estimated heap bytes of a string of {@code n} characters (header, array, two bytes each). */
  static long stringBytes(int n) {
    return 56 + 2L * n;
  }

  private final long max;
  private long used;
  private final long[] byPart = new long[Part.values().length];

  MemoryBudget(long max) {
    this.max = max;
  }

  long max() {
    return max;
  }

  long used() {
    return used;
  }

  long used(Part part) {
    return byPart[part.ordinal()];
  }

  /** Whether {@code more} bytes fit under the maximum. */
  boolean fits(long more) {
    return used + more <= max;
  }

  /**
   * Whether unfinished input may grow by {@code more}: it may hold half the budget, however full
   * the rest is. A request must be read whole before it can be answered at all: a get cut across
   * two reads is still served when values fill the budget, and a call the budget cannot take is
   * answered with its id rather than refused unread.
   */
  boolean fitsInput(long more) {
    return byPart[Part.INPUT.ordinal()] + more <= max / 2;
  }

  /** Counts {@code bytes} more (or fewer, when negative) held by {@code part}. */
  void add(Part part, long bytes) {
    used += bytes;
    byPart[part.ordinal()] += bytes;
  }

  /** The refusal message for a write of {@code bytes} that does not fit. */
  String refusal(String what, long bytes) {
    return what
        + " needs "
        + bytes
        + " bytes and the broker holds "
        + used
        + " of its maxMemory ("
        + max
        + " bytes); delete keys, release leases or raise maxMemory";
  }

  /**
   * The default maximum: half the JVM's maximum heap, and no more than three quarters of its old
   * generation where the collector has one of fixed size (what a broker holds long lives there: the
   * launcher's small young generation leaves a 64 MiB heap a 32 MiB old generation).
   */
  static long defaultMax() {
    long max = Runtime.getRuntime().maxMemory() / 2;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      String name = pool.getName().toLowerCase(Locale.ROOT);
      long poolMax = pool.getUsage().getMax();
      if (pool.getType() == MemoryType.HEAP
          && (name.contains("old") || name.contains("tenured"))
          && poolMax > 0) {
        max = Math.min(max, poolMax / 4 * 3);
      }
    }
    return max;
  }
}
