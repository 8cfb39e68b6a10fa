package io.ephemeral.broker.internal;

import io.ephemeral.broker.ActionHandler;
import io.ephemeral.broker.ActionRequest;
import io.ephemeral.protocol.JsJson;
import java.nio.charset.StandardCharsets;

/** Turns a user's {@link ActionHandler} into a command-table entry. */
final class CustomAction {
  private CustomAction() {}

  static Command command(String name, ActionHandler handler, ActionRequest view) {
    return new Command(
        name,
        null,
        null,
        Command.Ttl.IGNORED,
        false,
        (r, reply) -> {
          String members;
          try {
            members = handler.handle(view);
          } catch (ActionHandler.ActionException e) {
            reply.error(e.code(), e.getMessage());
            return;
          }
          byte[] inner = members == null ? null : innerMembers(name, members);
          ByteOutput out = reply.ok();
          if (inner != null && inner.length > 0) {
            out.write((byte) ',').write(inner);
          }
          reply.end();
        });
  }

  /** The members of the handler's JSON object, canonical (valid, and on one line). */
  private static byte[] innerMembers(String action, String json) {
    byte[] canonical = JsJson.canonicalize(json.getBytes(StandardCharsets.UTF_8));
    if (canonical.length < 2 || canonical[0] != '{') {
      throw new IllegalStateException(
          "action '" + action + "' returned " + json + ", not a JSON object");
    }
    byte[] inner = new byte[canonical.length - 2];
    System.arraycopy(canonical, 1, inner, 0, inner.length);
    return inner;
  }
}
