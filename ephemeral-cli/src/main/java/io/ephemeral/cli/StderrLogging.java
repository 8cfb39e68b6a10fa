package io.ephemeral.cli;

import java.io.PrintStream;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/*
 * Implementation notes.
 *
 * The broker filters by its own level (--log-level, --debug, BROKER_LOG_LEVEL) and formats its
 * lines itself, either "[broker] message (k=v ...)" or one JSON object per line with
 * --structured-logging. A general backend would prefix every line with a level and logger name,
 * which breaks the JSON lines; this one writes each message exactly as given, one per line, to
 * standard error, so standard output stays the child's (and the "Broker running on:" banner's).
 *
 * Debug messages pass only for the broker's logger, which already applied the broker's level;
 * other libraries (the client) log at info and above, so their debug chatter stays out of
 * brokerctl's output unless they are asked to log at info (CLIENT_DEBUG).
 */

/** The CLI's SLF4J backend: every message verbatim on standard error. */
public final class StderrLogging implements SLF4JServiceProvider {

  /** The logger the broker writes its already filtered and formatted lines to. */
  static final String BROKER_LOGGER = "io.ephemeral.broker";

  private final IMarkerFactory markers = new BasicMarkerFactory();
  private final MDCAdapter mdc = new NOPMDCAdapter();
  private final ILoggerFactory loggers =
      name -> new VerbatimLogger(name, name.equals(BROKER_LOGGER));

  /** Called by SLF4J's service loader. */
  public StderrLogging() {}

  @Override
  public ILoggerFactory getLoggerFactory() {
    return loggers;
  }

  @Override
  public IMarkerFactory getMarkerFactory() {
    return markers;
  }

  @Override
  public MDCAdapter getMDCAdapter() {
    return mdc;
  }

  @Override
  public String getRequestedApiVersion() {
    return "2.0.99";
  }

  @Override
  public void initialize() {}

  /** Writes every enabled message as one line on standard error. */
  static final class VerbatimLogger extends LegacyAbstractLogger {
    private static final long serialVersionUID = 1L;

    private final boolean debug;

    VerbatimLogger(String name, boolean debug) {
      this.name = name;
      this.debug = debug;
    }

    @Override
    public boolean isTraceEnabled() {
      return false;
    }

    @Override
    public boolean isDebugEnabled() {
      return debug;
    }

    @Override
    public boolean isInfoEnabled() {
      return true;
    }

    @Override
    public boolean isWarnEnabled() {
      return true;
    }

    @Override
    public boolean isErrorEnabled() {
      return true;
    }

    @Override
    protected String getFullyQualifiedCallerName() {
      return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(
        Level level, Marker marker, String pattern, Object[] arguments, Throwable throwable) {
      String message = MessageFormatter.basicArrayFormat(pattern, arguments);
      PrintStream err = System.err;
      synchronized (err) {
        err.println(message);
        if (throwable != null) {
          throwable.printStackTrace(err);
        }
        err.flush();
      }
    }
  }
}
