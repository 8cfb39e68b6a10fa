package io.ephemeral.broker.internal;

import java.util.Arrays;

/**
 * A request answered later: a lease waiting for a slot, a get waiting for its value provider, any
 * request a shared store answers. The one way to answer after the handler returned, as Redis's
 * {@code blocked.c} is the one way to block a client.
 *
 * <p>Implementation notes. A handler calls {@link Reply#defer} and keeps this object; whoever has
 * the answer (a lease grant, a timer, a provider's result, the store's reply) writes its body with
 * {@link #ok()} and members, or {@link #error}, and calls {@link #complete}. That one path appends
 * the request's {@code id} and the members interceptors added, records the action's metrics with
 * the real outcome (the dispatcher records nothing for a deferred request) and hands the answer to
 * the connection, in request order:
 *
 * <ul>
 *   <li>{@link Order#HOLD}: the connection's later requests wait until this one is answered (a
 *       lease wait, as in the Node broker; a provider's get), so the answer is written straight to
 *       its output and the connection resumes.
 *   <li>{@link Order#PIPELINE}: the connection's later requests go on (a shared store works on them
 *       meanwhile); this answer and theirs queue in {@link Connection#answers} and move to the
 *       output in order.
 * </ul>
 *
 * An answer for a connection that closed meanwhile is dropped and not counted: nobody received it.
 * Loop thread only.
 */
final class Deferred {
  /** Whether the connection's later requests wait for this answer. */
  enum Order {
    HOLD,
    PIPELINE
  }

  /** {@link Reply#sampledAt} of a request whose latency is not sampled. */
  static final long NOT_SAMPLED = Long.MIN_VALUE;

  /**
   * What the deferred answers of one broker share: metrics, the connections, the log, a scratch
   * buffer.
   */
  static final class Context {
    final Metrics metrics;
    final ConnectionControl connections;
    final BrokerLog log;

    /** Where a PIPELINE answer is written before it becomes its {@link Connection.Answer}. */
    private final ByteOutput scratch = new ByteOutput();

    Context(Metrics metrics, ConnectionControl connections, BrokerLog log) {
      this.metrics = metrics;
      this.connections = connections;
      this.log = log;
    }
  }

  private final Context context;
  private final Connection connection;
  private final byte[] id;
  private final String extraMembers;
  private final Command command;

  /** System.nanoTime() when the dispatcher took the request, or {@link #NOT_SAMPLED}. */
  private final long sampledAt;

  /** The queued answer (PIPELINE), or null (HOLD). */
  private final Connection.Answer queued;

  private ByteOutput out;
  private boolean completed;

  /** Defers the request {@code reply} is answering (see {@link Reply#defer}). */
  Deferred(Reply reply, Order order) {
    this.context = reply.later();
    this.connection = reply.connection();
    Request r = reply.request();
    this.id = r.idOff < 0 ? null : Arrays.copyOfRange(r.line, r.idOff, r.idEnd);
    this.command = r.command;
    this.extraMembers = reply.extraMembers();
    this.sampledAt = reply.sampledAt();
    if (order == Order.HOLD) {
      queued = null;
      connection.parked = true;
    } else {
      queued = new Connection.Answer();
      if (connection.answers == null) {
        connection.answers = new java.util.ArrayDeque<>();
      }
      connection.answers.add(queued);
    }
    // Still in flight, but not among the responses the next flush completes: counted again when
    // the answer reaches the output.
    connection.unflushed--;
  }

  /** The connection the request came on. */
  Connection connection() {
    return connection;
  }

  /**
   * Runs {@code withdraw} if the connection closes before a HOLD answer is given (to take a waiting
   * lease request out of its queue, say).
   */
  void onClose(Runnable withdraw) {
    connection.cancelParked = withdraw;
  }

  /** The connection closed meanwhile: the answer has nowhere to go. */
  boolean cancelled() {
    return connection.key == null || !connection.key.isValid();
  }

  /**
   * Where the answer's body goes: {@code {"ok":true} and members, or an error, without the closing
   * brace; then {@link #complete}.
   */
  ByteOutput body() {
    if (out == null) {
      out = queued == null ? connection.out : context.scratch;
    }
    return out;
  }

  /** Starts a success answer; add members, then {@link #complete complete(null)}. */
  ByteOutput ok() {
    return body().write(Reply.OK);
  }

  /** Answers success with the {@code members} written after {@code "ok":true} and completes. */
  void ok(java.util.function.Consumer<ByteOutput> members) {
    answer(null, out -> members.accept(out.write(Reply.OK)));
  }

  /** Answers an error ({@code message} may be null) and completes. */
  void error(String code, String message) {
    answer(code, out -> Reply.writeError(out, code, message));
  }

  /**
   * Writes the answer's body with {@code body} ({@code {"ok":true} and members, or an error) and
   * completes it with {@code errorCode}. An answer that cannot even be written (out of memory)
   * closes its connection, the one way left to tell its client, which is never left waiting.
   */
  void answer(String errorCode, java.util.function.Consumer<ByteOutput> body) {
    ByteOutput o = body();
    int mark = o.mark();
    try {
      body.accept(o);
      complete(errorCode);
    } catch (Throwable t) {
      o.truncate(mark);
      context.log.error("Closing a connection whose waiting request could not be answered", t);
      connection.cancelParked = null;
      context.connections.close(connection);
    }
  }

  /**
   * What this answer keeps until it is given (its request's id), as counted in the memory budget.
   */
  long bytes() {
    return id == null ? 0 : id.length;
  }

  /**
   * Ends the answer whose body was written: id, interceptors' members, end of line; records the
   * action with its outcome ({@code errorCode}, null for success) and hands the answer over.
   */
  void complete(String errorCode) {
    if (completed) {
      throw new IllegalStateException("answered twice");
    }
    completed = true;
    ByteOutput o = body();
    if (cancelled()) {
      if (queued != null) {
        o.clear();
      }
      return;
    }
    Reply.endAnswer(o, id, extraMembers);
    context.metrics.outcome(command, errorCode, sampledAt);
    if (queued == null) {
      connection.cancelParked = null;
      context.connections.resume(connection);
    } else {
      queued.bytes = o.toByteArray();
      connection.answerBytes += queued.bytes.length;
      o.clear();
      context.connections.answered(connection);
    }
  }
}
