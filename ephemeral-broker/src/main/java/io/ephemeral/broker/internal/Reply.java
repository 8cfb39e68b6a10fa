package io.ephemeral.broker.internal;

import io.ephemeral.broker.ActionRequest;
import java.nio.charset.StandardCharsets;

/**
 * Writes one response line into a connection's output: {@code {"ok":true,...}} or {@code
 * {"ok":false,"error":"code"}}, with the request's {@code id} echoed when it had one.
 */
final class Reply {
  static final byte[] OK = ascii("{\"ok\":true");
  static final byte[] ERROR = ascii("{\"ok\":false,\"error\":\"");
  private static final byte[] MESSAGE = ascii(",\"message\":");
  private static final byte[] ID = ascii(",\"id\":");
  private static final byte[] END = ascii("}\n");

  /** Where deferred answers complete (null in a dispatcher without connections). */
  private final Deferred.Context later;

  private ByteOutput out;
  private Request request;
  private Connection connection;
  private String errorCode;
  private String extraMembers;
  private boolean deferred;
  private long sampledAt = Deferred.NOT_SAMPLED;

  Reply(Deferred.Context later) {
    this.later = later;
  }

  void begin(ByteOutput out, Request request) {
    begin(out, request, null);
  }

  void begin(ByteOutput out, Request request, Connection connection) {
    this.out = out;
    this.request = request;
    this.connection = connection;
    this.errorCode = null;
    this.extraMembers = null;
    this.deferred = false;
    this.sampledAt = Deferred.NOT_SAMPLED;
  }

  /** The request's latency is sampled: the dispatcher took it at this System.nanoTime(). */
  void sampledAt(long nanos) {
    this.sampledAt = nanos;
  }

  /** The connection the request came on (null for internal replies). */
  Connection connection() {
    return connection;
  }

  /**
   * The request will be answered later, through the returned {@link Deferred}; nothing is written
   * now, and the dispatcher records the action's metrics only when it is answered. With {@link
   * Deferred.Order#HOLD} the connection's next requests wait for this answer; with {@link
   * Deferred.Order#PIPELINE} they go on, their answers queued behind this one.
   */
  Deferred defer(Deferred.Order order) {
    deferred = true;
    return new Deferred(this, order);
  }

  /** Where answers given later complete. */
  Deferred.Context later() {
    return later;
  }

  /** The request being answered. */
  Request request() {
    return request;
  }

  /** When the dispatcher took the request, if its latency is sampled; else NOT_SAMPLED. */
  long sampledAt() {
    return sampledAt;
  }

  /** The length of the request's id (0 without one), as the memory budget counts it. */
  int idLength() {
    return request == null || request.idOff < 0 ? 0 : request.idEnd - request.idOff;
  }

  /** Whether the handler deferred its answer with {@link #defer}. */
  boolean deferred() {
    return deferred;
  }

  /** Members added by interceptors, as {@code ,"a":1,...} text, or null. */
  String extraMembers() {
    return extraMembers;
  }

  /** Starts a success response; add members with {@link #member}, finish with {@link #end}. */
  ByteOutput ok() {
    return out.write(OK);
  }

  /** Starts a member: {@code ,"name":}; the caller writes the value. */
  ByteOutput member(byte[] nameWithComma) {
    return out.write(nameWithComma);
  }

  void end() {
    if (request != null && request.idOff >= 0) {
      out.write(ID).write(request.line, request.idOff, request.idEnd - request.idOff);
    }
    if (extraMembers != null) {
      out.jsonMembers(extraMembers);
    }
    out.write(END);
  }

  /** Ends an answer given later: its request's id (raw JSON, or null), members, end of line. */
  static void endAnswer(ByteOutput out, byte[] id, String extraMembers) {
    if (id != null) {
      out.write(ID).write(id);
    }
    if (extraMembers != null) {
      out.jsonMembers(extraMembers);
    }
    out.write(END);
  }

  /** Members added by interceptors ({@link ActionRequest#annotate}), as {@code ,"a":1,...} text. */
  void extraMembers(String members) {
    this.extraMembers = members;
  }

  /** A complete error response with one of the protocol's codes. */
  void error(String code) {
    error(code, null);
  }

  /**
   * A complete error response; {@code message} (may be null) explains codes the Node broker never
   * sent.
   */
  void error(String code, String message) {
    errorCode = code;
    writeError(out, code, message);
    end();
  }

  /** The body of an error answer: {@code {"ok":false,"error":"code"} and the message, if any. */
  static void writeError(ByteOutput out, String code, String message) {
    out.write(ERROR).ascii(code).write((byte) '"');
    if (message != null) {
      out.write(MESSAGE).jsonString(message);
    }
  }

  /** The error code of the response just written, or null if it succeeded. */
  String errorCode() {
    return errorCode;
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
