package io.ephemeral.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether a key the terminal turned into a signal (Ctrl-C: SIGINT) reached a process without our
 * help. The terminal sends it to its foreground process group; {@code /proc/<pid>/stat} says which
 * group that is ({@code tpgid}) and which group a process is in ({@code pgrp}).
 */
final class TerminalSignals {

  /** Indexes into what {@link #stat} returns. */
  private static final int PGRP = 0;

  private static final int TTY_NR = 2;
  private static final int TPGID = 3;

  private TerminalSignals() {}

  /**
   * True when this process has a controlling terminal whose foreground process group is the one
   * {@code pid} belongs to, so that a SIGINT from the terminal went to {@code pid} as well. False
   * when that cannot be known (no {@code /proc}, the process is gone).
   */
  static boolean reachedTheGroupOf(long pid) {
    long[] self = stat("self");
    long[] other = stat(Long.toString(pid));
    if (self == null || other == null) {
      return false;
    }
    long ttyNr = self[TTY_NR];
    long foreground = self[TPGID];
    return ttyNr != 0 && foreground > 0 && foreground == other[PGRP];
  }

  /** pgrp, session, tty_nr and tpgid (fields 5 to 8) of {@code /proc/<which>/stat}, or null. */
  static long[] stat(String which) {
    String text;
    try {
      text = Files.readString(Path.of("/proc", which, "stat"));
    } catch (IOException | RuntimeException e) {
      return null;
    }
    // "pid (comm) state ppid pgrp session tty_nr tpgid ...": comm may hold spaces and ')'.
    String[] fields = text.substring(text.lastIndexOf(')') + 2).split(" ");
    long[] values = new long[4];
    for (int i = 0; i < values.length; i++) {
      values[i] = Long.parseLong(fields[2 + i]);
    }
    return values;
  }
}
