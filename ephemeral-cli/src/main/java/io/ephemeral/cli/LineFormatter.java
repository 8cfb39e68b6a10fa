package io.ephemeral.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * The CLI's log format: the message as the broker formatted it, then the stack trace of a thrown
 * exception if any, then a line end; what {@code SimpleFormatter} writes with the format {@code
 * %5$s%6$s%n}. {@code SimpleFormatter} makes a zoned date-time of every record for its format's
 * date argument, even when the format has none, so the first log line of a JVM read the time-zone
 * database (several milliseconds of every {@code ephemeral-broker start}, on its main thread).
 * logging.properties names this class; java.util.logging makes it by reflection, hence public.
 */
public final class LineFormatter extends Formatter {

  /** Made by java.util.logging from logging.properties. */
  public LineFormatter() {}

  @Override
  public String format(LogRecord record) {
    StringBuilder line = new StringBuilder(formatMessage(record));
    if (record.getThrown() != null) {
      StringWriter trace = new StringWriter();
      try (PrintWriter out = new PrintWriter(trace)) {
        out.println();
        record.getThrown().printStackTrace(out);
      }
      line.append(trace);
    }
    return line.append(System.lineSeparator()).toString();
  }
}
