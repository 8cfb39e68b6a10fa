package io.ephemeral.broker.internal;

import io.ephemeral.protocol.Msgpackr;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/**
 * The few messages the gateway writes itself (REGISTER_ACK, ERROR, error RESPONSE, CANCEL), in the
 * encoding of the connection they go to. Numbers follow msgpackr's rules ({@link Msgpackr}) so Node
 * peers never see a BigInt.
 */
final class FrameWriter {
  private final MessageBufferPacker packer = MessagePack.newDefaultBufferPacker();

  void registerAck(ByteOutput out, FrameMessage.Encoding enc) {
    if (enc == FrameMessage.Encoding.JSON) {
      int mark = begin(out);
      out.ascii("{\"type\":\"REGISTER_ACK\"}");
      end(out, mark);
      return;
    }
    try {
      packer.clear();
      packer.packMapHeader(1).packString("type").packString("REGISTER_ACK");
      emit(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The REGISTER_ACK of an anonymous caller: {@code {type, caller}} with its identity. */
  void registerAck(ByteOutput out, FrameMessage.Encoding enc, String caller) {
    if (enc == FrameMessage.Encoding.JSON) {
      int mark = begin(out);
      out.ascii("{\"type\":\"REGISTER_ACK\",\"caller\":").jsonString(caller).ascii("}");
      end(out, mark);
      return;
    }
    try {
      packer.clear();
      packer.packMapHeader(2).packString("type").packString("REGISTER_ACK");
      packer.packString("caller").packString(caller);
      emit(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A CANCEL frame to the callee of a call its caller gave up (or whose deadline passed): {@code
   * {type, id, from, to}}. Node peers ignore frames of a type they do not know.
   */
  void cancel(ByteOutput out, FrameMessage.Encoding enc, String id, String from, String to) {
    if (enc == FrameMessage.Encoding.JSON) {
      int mark = begin(out);
      out.ascii("{\"type\":\"CANCEL\",\"id\":").jsonString(id);
      out.ascii(",\"from\":").jsonString(from).ascii(",\"to\":").jsonString(to).ascii("}");
      end(out, mark);
      return;
    }
    try {
      packer.clear();
      packer.packMapHeader(4).packString("type").packString("CANCEL");
      packer.packString("id").packString(id).packString("from").packString(from);
      packer.packString("to").packString(to);
      emit(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * An ERROR frame: {@code {type, id?, error:{message, code}, timestamp?}}. The duplicate-name
   * refusal has exactly {@code {type, error}} (what the Node client expects); pass timestamp < 0.
   */
  void error(
      ByteOutput out,
      FrameMessage.Encoding enc,
      String id,
      String code,
      String message,
      long timestamp) {
    if (enc == FrameMessage.Encoding.JSON) {
      int mark = begin(out);
      out.ascii("{\"type\":\"ERROR\"");
      if (id != null) {
        out.ascii(",\"id\":").jsonString(id);
      }
      out.ascii(",\"error\":{\"message\":")
          .jsonString(message)
          .ascii(",\"code\":")
          .jsonString(code)
          .ascii("}");
      if (timestamp >= 0) {
        out.ascii(",\"timestamp\":").number(timestamp);
      }
      out.ascii("}");
      end(out, mark);
      return;
    }
    try {
      packer.clear();
      packer.packMapHeader(2 + (id != null ? 1 : 0) + (timestamp >= 0 ? 1 : 0));
      packer.packString("type").packString("ERROR");
      if (id != null) {
        packer.packString("id").packString(id);
      }
      packer.packString("error").packMapHeader(2);
      packer.packString("message").packString(message).packString("code").packString(code);
      if (timestamp >= 0) {
        packer.packString("timestamp");
        Msgpackr.packInteger(packer, timestamp);
      }
      emit(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The RESPONSE a caller gets when the gateway cannot deliver its CALL: the unmodified Node client
   * rejects the call at once with {@code code}. {@code context} is the CALL's own context bytes
   * (same encoding, since it goes back to the connection that sent them).
   */
  void errorResponse(
      ByteOutput out,
      FrameMessage.Encoding enc,
      String id,
      String from,
      String to,
      String code,
      String message,
      byte[] context,
      int contextOff,
      int contextLen) {
    if (enc == FrameMessage.Encoding.JSON) {
      int mark = begin(out);
      out.ascii("{\"type\":\"RESPONSE\",\"id\":").jsonString(id);
      if (from != null) {
        out.ascii(",\"from\":").jsonString(from);
      }
      if (to != null) {
        out.ascii(",\"to\":").jsonString(to);
      }
      out.ascii(",\"status\":\"error\",\"error\":{\"message\":")
          .jsonString(message)
          .ascii(",\"code\":")
          .jsonString(code)
          .ascii("}");
      if (contextLen > 0) {
        out.ascii(",\"context\":").write(context, contextOff, contextLen);
      }
      out.ascii("}");
      end(out, mark);
      return;
    }
    try {
      packer.clear();
      packer.packMapHeader(
          4 + (from != null ? 1 : 0) + (to != null ? 1 : 0) + (contextLen > 0 ? 1 : 0));
      packer.packString("type").packString("RESPONSE");
      packer.packString("id").packString(id);
      if (from != null) {
        packer.packString("from").packString(from);
      }
      if (to != null) {
        packer.packString("to").packString(to);
      }
      packer.packString("status").packString("error");
      packer.packString("error").packMapHeader(2);
      packer.packString("message").packString(message).packString("code").packString(code);
      if (contextLen > 0) {
        packer.packString("context");
        packer.addPayload(context, contextOff, contextLen);
      }
      emit(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int begin(ByteOutput out) {
    int mark = out.mark();
    out.writeInt(0);
    return mark;
  }

  private static void end(ByteOutput out, int mark) {
    out.putIntAt(mark, out.mark() - mark - 4);
  }

  private void emit(ByteOutput out) throws IOException {
    packer.flush();
    byte[] body = packer.toByteArray();
    out.writeInt(body.length).write(body);
  }
}
