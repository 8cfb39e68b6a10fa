package io.ephemeral.broker.internal;

/**
 * What the parts of the broker that answer one connection on behalf of another (the gateway,
 * blocking lease waits) need from the event loop that owns the connections. Loop thread only.
 */
interface ConnectionControl {
  /** The connection has output to write at the end of this turn. */
  void markDirty(Connection c);

  /**
   * The connection's output, for writing to it on behalf of another connection: it is written at
   * the end of this turn without a {@link #markDirty} of its own, as Redis's {@code addReply}
   * queues the client it writes to.
   */
  default ByteOutput output(Connection c) {
    markDirty(c);
    return c.out;
  }

  /** Close the connection after its pending output is written. */
  void closeAfterFlush(Connection c);

  /** Close the connection now. */
  void close(Connection c);

  /**
   * A request that held the connection's later ones ({@link Deferred.Order#HOLD}) was answered:
   * continue with them this turn.
   */
  void resume(Connection c);

  /**
   * A queued answer ({@link Deferred.Order#PIPELINE}) got its bytes: move the answers now in turn
   * to the output.
   */
  void answered(Connection c);
}
