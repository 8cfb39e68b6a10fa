package io.ephemeral.broker.internal;

/**
 * A request answered later on a connection that waits for it (a lease waiting for a slot, a get
 * waiting for a value provider, a barrier waiting for its parties): the connection's next requests
 * are held back until it is answered, so answers keep request order. An answer that cannot even be
 * written (out of memory) closes the connection, the one way left to tell its client, and never
 * leaves it waiting. Loop thread only.
 */
final class ParkedReply {
  /** Writes the members of an answer after its {@code ok} or error code. */
  @FunctionalInterface
  interface Members {
    void write(ByteOutput out);
  }

  private final Connection connection;
  private final byte[] id;
  private final BrokerLog log;

  private ParkedReply(Connection connection, byte[] id, BrokerLog log) {
    this.connection = connection;
    this.id = id;
    this.log = log;
  }

  /**
   * Parks the request being handled. Say with {@link #cancelWith} what a closed connection ends.
   */
  static ParkedReply park(Reply reply, BrokerLog log) {
    ParkedReply p = new ParkedReply(reply.connection(), reply.idBytes(), log);
    reply.park();
    return p;
  }

  /** Withdraws the wait with {@code cancel} if the connection closes before the answer. */
  void cancelWith(Runnable cancel) {
    connection.cancelParked = cancel;
  }

  Connection connection() {
    return connection;
  }

  /** The length of the request's id, as the memory budget counts it. */
  int idLength() {
    return id == null ? 0 : id.length;
  }

  /** A success answer with {@code members}; the connection goes on with its next requests. */
  void ok(ConnectionControl connections, Members members) {
    send(connections, Reply.OK, members);
  }

  /** An error answer, with a message unless it is null. */
  void error(String code, String message, ConnectionControl connections) {
    send(
        connections,
        Reply.ERROR,
        out -> {
          out.ascii(code).write((byte) '"');
          if (message != null) {
            out.ascii(",\"message\":").jsonString(message);
          }
        });
  }

  private void send(ConnectionControl connections, byte[] start, Members members) {
    ByteOutput out = connection.out;
    int mark = out.mark();
    try {
      out.write(start);
      members.write(out);
      if (id != null) {
        out.ascii(",\"id\":").write(id);
      }
      out.ascii("}\n");
    } catch (Throwable t) {
      out.truncate(mark);
      log.error("Closing a connection whose waiting request could not be answered", t);
      connection.cancelParked = null;
      connections.close(connection);
      return;
    }
    connection.cancelParked = null;
    connections.resume(connection);
  }
}
