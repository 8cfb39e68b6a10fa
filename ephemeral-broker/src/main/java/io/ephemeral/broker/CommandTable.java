package io.ephemeral.broker;

import com.fasterxml.jackson.core.JsonParser;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The actions the broker understands, looked up from the parser's characters without allocating. */
final class CommandTable {
  private final List<Command> commands = new ArrayList<>();

  void add(Command c) {
    for (Command existing : commands) {
      if (existing.name.equals(c.name)) {
        throw new IllegalArgumentException("action '" + c.name + "' is already registered");
      }
    }
    commands.add(c);
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

  Command get(String name) {
    for (Command c : commands) {
      if (c.name.equals(name)) {
        return c;
      }
    }
    return null;
  }
}
