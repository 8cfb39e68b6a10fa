package io.ephemeral.broker.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.time.Instant;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's log lines, filtered by the broker's own level and formatted either as {@code
 * [broker] message (k=v ...)} or, with structured logging, as one JSON object per line; then handed
 * to SLF4J so the embedding application's backend decides where they go. Field values are rendered
 * properly (nested values as JSON, never as an object identity).
 */
final class BrokerLog {
  /**
   * Jackson only for structured lines and nested values, made on first use: the first factory of a
   * JVM costs milliseconds of class loading and initialisation, which a start that logs plain lines
   * does not need.
   */
  private static final class Json {
    static final JsonFactory FACTORY = new JsonFactory();
  }

  private final Logger logger = LoggerFactory.getLogger("io.ephemeral.broker");
  private final BrokerConfig.LogLevel level;
  private final boolean structured;

  BrokerLog(BrokerConfig.LogLevel level, boolean structured) {
    this.level = level;
    this.structured = structured;
  }

  boolean debugEnabled() {
    return level == BrokerConfig.LogLevel.DEBUG && logger.isDebugEnabled();
  }

  void debug(String message, Object... fields) {
    if (debugEnabled()) {
      logger.debug(format("debug", message, fields));
    }
  }

  void info(String message, Object... fields) {
    if (level.compareTo(BrokerConfig.LogLevel.INFO) <= 0 && logger.isInfoEnabled()) {
      logger.info(format("info", message, fields));
    }
  }

  void warn(String message, Object... fields) {
    if (level.compareTo(BrokerConfig.LogLevel.WARN) <= 0 && logger.isWarnEnabled()) {
      logger.warn(format("warn", message, fields));
    }
  }

  void error(String message, Throwable error, Object... fields) {
    if (logger.isErrorEnabled()) {
      logger.error(format("error", message, fields), error);
    }
  }

  String format(String levelName, String message, Object... fields) {
    if (structured) {
      StringWriter out = new StringWriter();
      try (JsonGenerator g = Json.FACTORY.createGenerator(out)) {
        g.writeStartObject();
        g.writeStringField("timestamp", Instant.now().toString());
        g.writeStringField("level", levelName);
        g.writeStringField("component", "broker");
        g.writeStringField("message", message);
        for (int i = 0; i + 1 < fields.length; i += 2) {
          g.writeFieldName(String.valueOf(fields[i]));
          writeValue(g, fields[i + 1]);
        }
        g.writeEndObject();
      } catch (IOException impossible) {
        throw new IllegalStateException(impossible);
      }
      return out.toString();
    }
    StringBuilder sb = new StringBuilder(64).append("[broker] ").append(message);
    if (fields.length >= 2) {
      sb.append(" (");
      for (int i = 0; i + 1 < fields.length; i += 2) {
        if (i > 0) {
          sb.append(' ');
        }
        sb.append(fields[i]).append('=').append(render(fields[i + 1]));
      }
      sb.append(')');
    }
    return sb.toString();
  }

  private static String render(Object value) {
    if (value == null
        || value instanceof CharSequence
        || value instanceof Number
        || value instanceof Boolean
        || value instanceof java.nio.file.Path
        || value instanceof Enum) {
      return String.valueOf(value);
    }
    StringWriter out = new StringWriter();
    try (JsonGenerator g = Json.FACTORY.createGenerator(out)) {
      writeValue(g, value);
    } catch (IOException impossible) {
      throw new IllegalStateException(impossible);
    }
    return out.toString();
  }

  private static void writeValue(JsonGenerator g, Object value) throws IOException {
    if (value == null) {
      g.writeNull();
    } else if (value instanceof Integer || value instanceof Long) {
      g.writeNumber(((Number) value).longValue());
    } else if (value instanceof Number) {
      g.writeNumber(((Number) value).doubleValue());
    } else if (value instanceof Boolean) {
      g.writeBoolean((Boolean) value);
    } else if (value instanceof CharSequence
        || value instanceof java.nio.file.Path
        || value instanceof Enum) {
      // Before Iterable: a Path is an Iterable of its own segments.
      g.writeString(value.toString());
    } else if (value instanceof Map) {
      g.writeStartObject();
      for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
        g.writeFieldName(String.valueOf(e.getKey()));
        writeValue(g, e.getValue());
      }
      g.writeEndObject();
    } else if (value instanceof Iterable) {
      g.writeStartArray();
      for (Object o : (Iterable<?>) value) {
        writeValue(g, o);
      }
      g.writeEndArray();
    } else {
      g.writeString(String.valueOf(value));
    }
  }
}
