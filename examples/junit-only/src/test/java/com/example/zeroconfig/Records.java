package com.example.zeroconfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** What each fork saw, one line per observation, in a file of its own: "WHAT FORK FIELDS...". */
final class Records {
  static final String FORK = Long.toString(ProcessHandle.current().pid());

  private Records() {}

  static Path dir() {
    return Path.of(System.getProperty("records", "target/records"));
  }

  static synchronized void record(String what, Object... fields) {
    StringBuilder line = new StringBuilder(what).append(' ').append(FORK);
    for (Object f : fields) {
      line.append(' ').append(f);
    }
    try {
      Files.createDirectories(dir());
      Files.writeString(
          dir().resolve("fork-" + FORK + ".log"),
          line.append('\n'),
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
