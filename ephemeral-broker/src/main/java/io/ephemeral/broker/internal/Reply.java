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

  private ByteOutput out;
  private Request request;
  private Connection connection;
  private String errorCode;
  private String extraMembers;
  private boolean deferred;

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
  }

  /** The connection the request came on (null for internal replies). */
  Connection connection() {
    return connection;
  }

  /** The raw {@code id} of the request, or null: kept by requests answered later. */
  byte[] idBytes() {
    return request == null || request.idOff < 0
        ? null
        : java.util.Arrays.copyOfRange(request.line, request.idOff, request.idEnd);
  }

  /**
   * The request will be answered later (a lease waiting for a slot): nothing is written now and the
   * connection's next requests wait, so responses stay in request order.
   */
  void park() {
    connection.parked = true;
    // Still in flight, but not among the responses the next flush completes.
    connection.unflushed--;
  }

  /**
   * The request will be answered later, by filling the returned answer's bytes and calling {@link
   * ConnectionControl#answered}; nothing is written now. Unlike {@link #park()} the connection's
   * next requests go on, their answers queued behind this one. The handler records the action's
   * metrics itself when it answers (the outcome is not known yet).
   */
  Connection.Answer defer() {
    Connection.Answer a = new Connection.Answer();
    if (connection.answers == null) {
      connection.answers = new java.util.ArrayDeque<>();
    }
    connection.answers.add(a);
    connection.unflushed--; // still in flight; counted again when it reaches the output
    deferred = true;
    return a;
  }

  /** Whether the handler deferred its answer with {@link #defer()}. */
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
    out.write(ERROR).ascii(code).write((byte) '"');
    if (message != null) {
      out.write(MESSAGE).jsonString(message);
    }
    end();
  }

  /** The error code of the response just written, or null if it succeeded. */
  String errorCode() {
    return errorCode;
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
