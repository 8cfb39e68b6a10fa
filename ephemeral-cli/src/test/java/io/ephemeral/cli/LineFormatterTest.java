package io.ephemeral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.Test;

/**
 * The CLI's log lines are what {@code SimpleFormatter} wrote with the format {@code %5$s%6$s%n}
 * (message, stack trace if any, line end), and logging.properties makes the console use it.
 */
class LineFormatterTest {

  /** The format logging.properties gave SimpleFormatter before LineFormatter replaced it. */
  private static final String FORMAT = "%5$s%6$s%n";

  @Test
  void aLineIsTheMessageAndALineEnd() {
    LogRecord record = new LogRecord(Level.INFO, "[broker] Broker started (pipe=/tmp/x.sock)");
    record.setLoggerName("io.ephemeral.broker");
    assertThat(new LineFormatter().format(record))
        .isEqualTo("[broker] Broker started (pipe=/tmp/x.sock)" + System.lineSeparator())
        .isEqualTo(simpleFormatter(record));
  }

  @Test
  void aThrownExceptionFollowsTheMessageOnItsOwnLines() {
    LogRecord record = new LogRecord(Level.SEVERE, "[broker] Event loop failed");
    record.setThrown(new IllegalStateException("boom", new IOException("cause")));
    String line = new LineFormatter().format(record);
    assertThat(line)
        .startsWith(
            "[broker] Event loop failed"
                + System.lineSeparator()
                + "java.lang.IllegalStateException: boom")
        .contains("Caused by: java.io.IOException: cause")
        .endsWith(System.lineSeparator())
        .isEqualTo(simpleFormatter(record));
  }

  @Test
  void parametersAreFilledInAsJavaUtilLoggingDoes() {
    LogRecord record = new LogRecord(Level.WARNING, "{0} of {1}");
    record.setParameters(new Object[] {"one", 2});
    assertThat(new LineFormatter().format(record)).isEqualTo(simpleFormatter(record));
  }

  @Test
  void theConsoleHandlerOfTheCliUsesIt() throws IOException {
    Properties config = new Properties();
    try (InputStream in = Main.class.getResourceAsStream("logging.properties")) {
      config.load(in);
    }
    assertThat(config.getProperty("java.util.logging.ConsoleHandler.formatter"))
        .isEqualTo(LineFormatter.class.getName());
  }

  private static String simpleFormatter(LogRecord record) {
    String saved = System.getProperty("java.util.logging.SimpleFormatter.format");
    System.setProperty("java.util.logging.SimpleFormatter.format", FORMAT);
    try {
      return new SimpleFormatter().format(record);
    } finally {
      if (saved == null) {
        System.clearProperty("java.util.logging.SimpleFormatter.format");
      } else {
        System.setProperty("java.util.logging.SimpleFormatter.format", saved);
      }
    }
  }
}
