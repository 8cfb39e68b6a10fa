package io.ephemeral.broker.internal;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process's file descriptors: how many it may open and how many are open. On Linux read from
 * {@code /proc/self} (a millisecond or two in a fresh JVM); elsewhere from the operating system's
 * management bean, whose first use sets up the management framework and, on Linux, its container
 * metrics (7–15 ms of a start's CPU, measured in a fresh JVM).
 *
 * @param max the soft limit, {@code Long.MAX_VALUE} when unlimited
 */
record Descriptors(long max, long open) {
  private static final String MAX_OPEN_FILES = "Max open files";

  /** The process's descriptors now, or null when neither source tells. */
  static Descriptors now() {
    Descriptors fromProc = fromProc(Path.of("/proc/self"));
    if (fromProc != null) {
      return fromProc;
    }
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
      return new Descriptors(unix.getMaxFileDescriptorCount(), unix.getOpenFileDescriptorCount());
    }
    return null;
  }

  /**
   * From a proc directory's {@code limits} ("Max open files SOFT HARD files") and the entries of
   * its {@code fd}; null when it has neither.
   */
  static Descriptors fromProc(Path proc) {
    Path limits = proc.resolve("limits");
    if (!Files.isReadable(limits)) {
      return null;
    }
    try {
      for (String line : Files.readAllLines(limits)) {
        if (!line.startsWith(MAX_OPEN_FILES)) {
          continue;
        }
        String soft = line.substring(MAX_OPEN_FILES.length()).trim().split("\\s+")[0];
        long max = soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
        long open = 0;
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve("fd"))) {
          for (Path ignored : fds) {
            open++;
          }
        }
        // Listing our own fd directory holds one descriptor open for the listing itself.
        return new Descriptors(max, proc.endsWith("self") ? Math.max(0, open - 1) : open);
      }
    } catch (IOException | RuntimeException e) {
      // unreadable or not in the expected form: the caller asks the management bean
    }
    return null;
  }
}
