package io.ephemeral.client;

import java.util.Locale;
import java.util.Map;

/**
 * The environment variables a client falls back on, read the Node client's way: an empty variable
 * counts as unset, booleans are true for {@code "true"} or {@code "1"}, numbers are whole.
 */
final class ClientEnvironment {
  private final Map<String, String> variables;

  ClientEnvironment(Map<String, String> variables) {
    this.variables = variables;
  }

  /** The variable's value, or null when it is unset or empty. */
  String get(String name) {
    String v = variables.get(name);
    return v == null || v.isEmpty() ? null : v;
  }

  boolean bool(String name, boolean dflt) {
    String v = get(name);
    if (v == null) {
      return dflt;
    }
    String t = v.trim().toLowerCase(Locale.ROOT);
    return t.equals("true") || t.equals("1");
  }

  /**
   * The variable as a whole number of at least {@code min}, or null when unset.
   *
   * @throws IllegalArgumentException naming the variable when it does not parse or is too small
   */
  Integer integer(String name, int min) {
    String v = get(name);
    if (v == null) {
      return null;
    }
    int n;
    try {
      n = Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a whole number, got \"" + v + "\"", e);
    }
    if (n < min) {
      throw new IllegalArgumentException(name + " must be at least " + min + ", got \"" + v + "\"");
    }
    return n;
  }
}
