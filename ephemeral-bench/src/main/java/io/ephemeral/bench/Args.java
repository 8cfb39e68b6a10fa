package io.ephemeral.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code --name value} and {@code --flag} options; anything unknown is an error naming it. */
final class Args {
  private final Map<String, String> values = new HashMap<>();
  private final List<String> positional = new ArrayList<>();

  Args(String[] argv, Set<String> valued, Set<String> flags) {
    for (int i = 0; i < argv.length; i++) {
      String a = argv[i];
      if (a.startsWith("--")) {
        String name = a;
        String value = null;
        int eq = a.indexOf('=');
        if (eq > 0) {
          name = a.substring(0, eq);
          value = a.substring(eq + 1);
        }
        if (flags.contains(name) && value == null) {
          values.put(name, "true");
        } else if (valued.contains(name)) {
          if (value == null) {
            if (i + 1 >= argv.length) {
              throw new IllegalArgumentException(name + " needs a value");
            }
            value = argv[++i];
          }
          values.put(name, value);
        } else {
          throw new IllegalArgumentException("unknown option " + name);
        }
      } else {
        positional.add(a);
      }
    }
  }

  List<String> positional() {
    return positional;
  }

  boolean flag(String name) {
    return values.containsKey(name);
  }

  String string(String name, String fallback) {
    return values.getOrDefault(name, fallback);
  }

  long number(String name, long fallback, long min, long max) {
    String v = values.get(name);
    if (v == null) {
      return fallback;
    }
    long n;
    try {
      n = Long.parseLong(v.replace("_", ""));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a whole number, got '" + v + "'");
    }
    if (n < min || n > max) {
      throw new IllegalArgumentException(
          name + " must be between " + min + " and " + max + ", got " + n);
    }
    return n;
  }

  double decimal(String name, double fallback, double min, double max) {
    String v = values.get(name);
    if (v == null) {
      return fallback;
    }
    double d;
    try {
      d = Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a number, got '" + v + "'");
    }
    if (!(d >= min && d <= max)) {
      throw new IllegalArgumentException(
          name + " must be between " + min + " and " + max + ", got " + v);
    }
    return d;
  }

  /**
   * Whether the value of a two-valued option is {@code first} rather than {@code second}; anything
   * else is refused, naming both with what they mean: "--callee is 'process' (a JVM of its own) or
   * 'inside' (the tool's JVM), got 'x'".
   */
  static boolean isFirstOf(
      String option,
      String value,
      String first,
      String firstMeans,
      String second,
      String secondMeans) {
    if (value.equals(first)) {
      return true;
    }
    if (value.equals(second)) {
      return false;
    }
    throw new IllegalArgumentException(
        option
            + " is '"
            + first
            + "' ("
            + firstMeans
            + ") or '"
            + second
            + "' ("
            + secondMeans
            + "), got '"
            + value
            + "'");
  }

  static List<String> list(String csv) {
    List<String> out = new ArrayList<>();
    for (String s : csv.split(",")) {
      if (!s.isBlank()) {
        out.add(s.trim());
      }
    }
    return out;
  }
}
