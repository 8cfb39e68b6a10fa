package io.ephemeral.broker;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;

/**
 * Turns a request line into a {@link Request} with Jackson's streaming parser: one pass, the
 * members the commands use are picked out, everything else is skipped, and the value is kept as
 * the raw byte range it occupies in the line (never a tree).
 */
final class RequestParser {
  /** Parse outcome. */
  static final int OK = 0;
  static final int INVALID_JSON = 1;
  static final int NOT_AN_OBJECT = 2;

  /** Largest lease pool. */
  static final long MAX_POOL_SIZE = 1_000_000;
  /** Longest a lease request may wait for a slot: a day. */
  static final long MAX_WAIT = 86_400_000;

  /** Largest ttl accepted: JavaScript's Number.MAX_SAFE_INTEGER, the largest exact integer. */
  static final long MAX_TTL = 9_007_199_254_740_991L;

  private final JsonFactory factory;
  private final CommandTable commands;
  private String error;

  RequestParser(CommandTable commands, int maxNestingDepth) {
    this.commands = commands;
    this.factory =
        JsonFactory.builder()
            .streamReadConstraints(
                StreamReadConstraints.builder().maxNestingDepth(maxNestingDepth).maxNumberLength(1000).build())
            .build();
  }

  /** Message of the last {@link #INVALID_JSON} outcome. */
  String error() {
    return error;
  }

  int parse(Request r) {
    error = null;
    byte[] b = r.line;
    int base = r.lineOff;
    try (JsonParser p = factory.createParser(b, base, r.lineLen)) {
      JsonToken t = p.nextToken();
      if (t == null) {
        error = "empty request";
        return INVALID_JSON;
      }
      if (t != JsonToken.START_OBJECT) {
        p.skipChildren();
        if (p.nextToken() != null) {
          error = "trailing content after the JSON value";
          return INVALID_JSON;
        }
        return NOT_AN_OBJECT;
      }
      String name;
      while ((name = p.nextFieldName()) != null) {
        JsonToken v = p.nextToken();
        switch (name) {
          case "action":
            r.actionPresent = true;
            r.command = v == JsonToken.VALUE_STRING ? commands.lookup(p) : null;
            if (r.command == null && v == JsonToken.VALUE_STRING) {
              r.actionText = p.getText();
            } else if (v != JsonToken.VALUE_STRING) {
              p.skipChildren();
            }
            break;
          case "key":
            readKey(p, v, r, base);
            break;
          case "value":
            readValue(p, v, r, base);
            break;
          case "ttl":
            readTtl(p, v, r);
            break;
          case "compressed":
            r.compressed = v == JsonToken.VALUE_TRUE;
            break;
          case "beforeSize":
            r.beforeSize = v.isNumeric() ? p.getValueAsLong() : 0;
            break;
          case "afterSize":
            r.afterSize = v.isNumeric() ? p.getValueAsLong() : 0;
            break;
          case "workerId":
            r.workerId = readWorker(p, v);
            break;
          case "size":
            long size = wholeNumber(p, v, 1, MAX_POOL_SIZE);
            r.sizeState = size < 0 ? Request.INVALID : Request.VALID;
            r.size = (int) size;
            break;
          case "wait":
            long wait = wholeNumber(p, v, 0, MAX_WAIT);
            r.waitState = v == JsonToken.VALUE_NULL ? Request.ABSENT : wait < 0 ? Request.INVALID : Request.VALID;
            r.waitMillis = wait;
            break;
          case "id":
            r.idOff = base + (int) p.currentTokenLocation().getByteOffset();
            p.skipChildren();
            p.finishToken();
            r.idEnd = base + (int) p.currentLocation().getByteOffset();
            break;
          default:
            p.skipChildren();
        }
      }
      if (p.nextToken() != null) {
        error = "trailing content after the JSON object";
        return INVALID_JSON;
      }
      return OK;
    } catch (JsonProcessingException e) {
      error = e.getOriginalMessage() == null ? "malformed JSON" : firstLine(e.getOriginalMessage());
      return INVALID_JSON;
    } catch (IOException e) {
      error = "malformed JSON";
      return INVALID_JSON;
    }
  }

  private static void readKey(JsonParser p, JsonToken v, Request r, int base) throws IOException {
    if (v == JsonToken.VALUE_NULL) {
      r.keyState = Request.ABSENT;
      return;
    }
    if (v != JsonToken.VALUE_STRING) {
      r.keyState = Request.INVALID;
      p.skipChildren();
      return;
    }
    int start = base + (int) p.currentTokenLocation().getByteOffset();
    p.finishToken();
    int end = base + (int) p.currentLocation().getByteOffset();
    r.keyState = Request.VALID;
    // Fast path: without escapes the raw bytes between the quotes are the key's UTF-8.
    byte[] b = r.line;
    for (int i = start + 1; i < end - 1; i++) {
      if (b[i] == '\\') {
        r.keyText = p.getText();
        byte[] decoded = Wtf8.encode(r.keyText);
        r.keyBuf = decoded;
        r.keyOff = 0;
        r.keyLen = decoded.length;
        return;
      }
    }
    r.keyBuf = b;
    r.keyOff = start + 1;
    r.keyLen = end - start - 2;
  }

  private static void readValue(JsonParser p, JsonToken v, Request r, int base) throws IOException {
    int start = base + (int) p.currentTokenLocation().getByteOffset();
    p.skipChildren();
    p.finishToken();
    int end = base + (int) p.currentLocation().getByteOffset();
    r.valuePresent = true;
    r.valueOff = start;
    r.valueEnd = end;
    // A string counts by its content (as the Node broker counted a string's length), anything
    // else by its JSON text.
    r.valueSize = v == JsonToken.VALUE_STRING ? end - start - 2 : end - start;
  }

  private static void readTtl(JsonParser p, JsonToken v, Request r) throws IOException {
    switch (v) {
      case VALUE_NULL:
        r.ttlState = Request.ABSENT;
        return;
      case VALUE_NUMBER_INT:
        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
          r.ttlState = Request.INVALID;
          return;
        }
        setTtl(r, p.getLongValue());
        return;
      case VALUE_NUMBER_FLOAT:
        // JavaScript has one number type: 60000.0 and 6e4 are the integer 60000.
        double d = p.getDoubleValue();
        if (d == Math.rint(d) && d >= 1 && d <= MAX_TTL) {
          setTtl(r, (long) d);
        } else {
          r.ttlState = Request.INVALID;
        }
        return;
      default:
        p.skipChildren();
        r.ttlState = Request.INVALID;
    }
  }

  /** A JSON number that is a whole number within [min, max], or -1 (anything else is skipped). */
  private static long wholeNumber(JsonParser p, JsonToken v, long min, long max) throws IOException {
    if (!v.isNumeric()) {
      p.skipChildren();
      return -1;
    }
    double d = p.getDoubleValue();
    return d == Math.rint(d) && d >= min && d <= max ? (long) d : -1;
  }

  private static void setTtl(Request r, long ttl) {
    if (ttl >= 1 && ttl <= MAX_TTL) {
      r.ttlState = Request.VALID;
      r.ttl = ttl;
    } else {
      r.ttlState = Request.INVALID;
    }
  }

  private static String readWorker(JsonParser p, JsonToken v) throws IOException {
    if (v == JsonToken.VALUE_STRING || v == JsonToken.VALUE_NUMBER_INT) {
      String s = p.getText();
      return s.isEmpty() ? null : s;
    }
    p.skipChildren();
    return null;
  }

  private static String firstLine(String message) {
    int nl = message.indexOf('\n');
    return nl < 0 ? message : message.substring(0, nl);
  }
}
