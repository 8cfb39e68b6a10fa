package io.ephemeral.broker.internal;

/**
 * How one connection's bytes become requests, chosen on the connection's first byte ({@link #of}):
 * {@link LineProtocol} (JSON lines, for the KV dispatcher) or {@link FrameProtocol}
 * (length-prefixed frames, for the gateway router). One instance per connection, holding that
 * protocol's state of the connection, as OkHttp makes one codec per connection. {@link Clients}
 * reads, keeps unfinished input and writes; the protocol takes complete requests out of the bytes.
 * Loop thread only.
 *
 * <p>Two implementations only: the call sites stay bimorphic, which the JIT inlines.
 */
interface Protocol {

  /** Makes a connection's protocol from its first byte. */
  interface Choice {
    Protocol forFirstByte(byte first);
  }

  /**
   * The protocol a connection speaks, by its first byte: a gateway frame starts with a 4-byte
   * big-endian length, so its first byte is 0 for any frame under 16 MiB; a JSON line never starts
   * with a NUL byte.
   */
  static Protocol of(byte first, Clients clients, Dispatcher dispatcher, GatewayRouter router) {
    return first == 0 ? new FrameProtocol(clients, router) : new LineProtocol(clients, dispatcher);
  }

  /**
   * Takes the complete requests in {@code buf[from, to)} (answering them into the connection's
   * output or to other connections) and returns how far it consumed; what is left is kept for the
   * next read. Stops early while the connection's output is full ({@link Connection#heldBack}).
   */
  int consume(Connection c, byte[] buf, int from, int to);

  /**
   * Whether {@code more} bytes of an unfinished request may be kept; if not, the request is refused
   * here and skipped as the rest of it arrives.
   */
  boolean mayKeep(Connection c, int more);

  /**
   * The heap has no room to keep the unfinished request starting at {@code data[from, to)} (or at
   * the input already kept): refuse it and skip it, or rethrow {@code e} when there is nothing to
   * refuse it by.
   */
  void cannotKeep(Connection c, byte[] data, int from, int to, OutOfMemoryError e);

  /** The input kept ({@link Connection#in}) holds a complete request, held back. */
  boolean holdsRequest(Connection c);

  /** Skipping the rest of a refused request: an unfinished request as far as stalls go. */
  boolean skipping();

  /** Waiting for answers from elsewhere (calls in flight): the connection is not idle. */
  boolean awaitsAnswers();

  /**
   * Whether output the client does not read may close the connection at {@code maxOutputBuffer}:
   * forwarded traffic always, a client's own answers only when it asked for more than one.
   */
  boolean closeOnOutputLimit(Connection c);

  /** The connection is closing: let go of what it holds elsewhere (calls, services, waits). */
  void closed(Connection c);
}
