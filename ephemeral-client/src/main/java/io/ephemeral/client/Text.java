package io.ephemeral.client;

/** Small helpers for messages. */
final class Text {
  private Text() {}

  /** The string in double quotes, shortened and with control characters escaped. */
  static String quote(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder sb = new StringBuilder(Math.min(s.length(), 200) + 2).append('"');
    int n = Math.min(s.length(), 200);
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c < 0x20) {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    if (n < s.length()) {
      sb.append("...");
    }
    return sb.append('"').toString();
  }
}
