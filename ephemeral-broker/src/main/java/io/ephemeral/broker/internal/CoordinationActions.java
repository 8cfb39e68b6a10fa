package io.ephemeral.broker.internal;

import io.ephemeral.protocol.ErrorCodes;

/**
 * The coordination actions, beyond the Node protocol: {@code setIfAbsent}, {@code incr}, {@code
 * compute} / {@code computed} / {@code computeFailed} (single-flight), {@code barrier} and {@code
 * acquire} (rate limiter). Served from this broker's memory ({@link MemoryCoordination}) or from a
 * shared store ({@link RemoteCoordination}); their central checks are declared once, in {@link
 * #registerAll}, and their own members are read by {@link CoordinationMembers}.
 */
interface CoordinationActions {
  void setIfAbsent(Request r, Reply reply);

  void incr(Request r, Reply reply);

  void compute(Request r, Reply reply);

  void computed(Request r, Reply reply);

  void computeFailed(Request r, Reply reply);

  void barrier(Request r, Reply reply);

  void acquire(Request r, Reply reply);

  /** When the loop must next call {@link #expire}; Long.MAX_VALUE when nothing is due. */
  default long nextDeadline() {
    return Long.MAX_VALUE;
  }

  /** Ends what is due at {@code now}: waits that ran out, claims whose time is up. */
  default void expire(long now) {}

  /** Adds the seven actions of {@code a} to {@code table}, with their checks. */
  static void registerAll(CommandTable table, CoordinationActions a) {
    Command.Ttl none = Command.Ttl.IGNORED;
    String key = ErrorCodes.INVALID_REQUEST; // "<action> needs a string key"
    Command.Ttl likeSet = Command.Ttl.REQUIRED_BY_CONFIG;
    table.add(new Command("setIfAbsent", key, null, likeSet, true, a::setIfAbsent));
    table.add(new Command("incr", key, null, likeSet, false, a::incr));
    table.add(new Command("compute", key, null, Command.Ttl.OPTIONAL, false, a::compute));
    table.add(new Command("computed", key, null, likeSet, true, a::computed));
    table.add(new Command("computeFailed", key, null, none, false, a::computeFailed));
    table.add(new Command("barrier", key, null, none, false, a::barrier));
    table.add(new Command("acquire", key, null, none, false, a::acquire));
  }
}
