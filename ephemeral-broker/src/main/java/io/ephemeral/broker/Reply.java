package io.ephemeral.broker;

import java.nio.charset.StandardCharsets;

/**
 * Writes one response line into a connection's output: {@code {"ok":true,...}} or
 * {@code {"ok":false,"error":"code"}}, with the request's {@code id} echoed when it had one.
 */
final class Reply {
  private static final byte[] OK = ascii("{\"ok\":true");
  private static final byte[] ERROR = ascii("{\"ok\":false,\"error\":\"");
  private static final byte[] MESSAGE = ascii(",\"message\":");
  private static final byte[] ID = ascii(",\"id\":");
  private static final byte[] END = ascii("}\n");

  private ByteOutput out;
  private Request request;
  private String errorCode;

  void begin(ByteOutput out, Request request) {
    this.out = out;
    this.request = request;
    this.errorCode = null;
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
    out.write(END);
  }

  /** A complete error response with one of the protocol's codes. */
  void error(String code) {
    error(code, null);
  }

  /** A complete error response; {@code message} (may be null) explains codes the Node broker never sent. */
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
