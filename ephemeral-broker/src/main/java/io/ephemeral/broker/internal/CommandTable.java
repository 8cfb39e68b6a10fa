package io.ephemeral.broker.internal;

import com.fasterxml.jackson.core.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The actions the broker understands, looked up from the parser's characters without allocating.
 */
final class CommandTable {
  private final List<Command> commands = new ArrayList<>();

  /** The names as UTF-8, parallel to {@link #commands}, for {@link #lookup(byte[], int, int)}. */
  private byte[][] names = new byte[0][];

  void add(Command c) {
    for (Command existing : commands) {
      if (existing.name.equals(c.name)) {
        throw new IllegalArgumentException("action '" + c.name + "' is already registered");
      }
    }
    commands.add(c);
    names = Arrays.copyOf(names, commands.size());
    names[names.length - 1] = c.name.getBytes(StandardCharsets.UTF_8);
  }

  /** The command named by the UTF-8 bytes {@code b[off, off+len)} (no escapes), or null. */
  Command lookup(byte[] b, int off, int len) {
    byte[][] n = names;
    for (int i = 0; i < n.length; i++) {
      byte[] name = n[i];
      if (name.length == len && Arrays.equals(name, 0, len, b, off, off + len)) {
        return commands.get(i);
      }
    }
    return null;
  }

  /** The command named by the current string token, or null. */
  Command lookup(JsonParser p) throws IOException {
    char[] chars = p.getTextCharacters();
    int off = p.getTextOffset();
    int len = p.getTextLength();
    for (int i = 0, n = commands.size(); i < n; i++) {
      Command c = commands.get(i);
      char[] name = c.nameChars;
      if (name.length == len && Arrays.equals(name, 0, len, chars, off, off + len)) {
        return c;
      }
    }
    return null;
  }

  /** Every command, in registration order (for metrics). */
  List<Command> all() {
    return commands;
  }

  Command get(String name) {
    for (Command c : commands) {
      if (c.name.equals(name)) {
        return c;
      }
    }
    return null;
  }
}
