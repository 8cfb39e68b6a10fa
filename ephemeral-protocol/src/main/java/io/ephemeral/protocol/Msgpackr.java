package io.ephemeral.protocol;

import java.io.IOException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import org.msgpack.core.ExtensionTypeHeader;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePacker;
import org.msgpack.core.MessageUnpacker;

/**
 * The MessagePack rules of msgpackr (1.11, the encoder of the Node {@code ipc-bro} peers), written
 * once for the broker's conversions and the Java service client, so that a Node peer sees the same
 * values from either of them as from another Node peer.
 *
 * <ul>
 *   <li><b>Numbers.</b> A JavaScript number that is an integer in [-2^31, 2^32 - 1] is packed as
 *       the smallest integer format, -0 as 0; every other number as float64. int64 and uint64 are
 *       never written: msgpackr decodes them to BigInt, which breaks arithmetic and {@code ===}.
 *   <li><b>Timestamps</b> (extension -1) decode to a JavaScript Date by msgpackr's own arithmetic,
 *       so only what fits a Date (±8.64e15 ms) is a date; anything else is an Invalid Date, which
 *       JSON writes as null. A date's JSON is {@code Date.prototype.toJSON}'s text.
 *   <li><b>{@code undefined}</b> is extension 0, whatever its length (notepack's convention).
 *   <li><b>Map keys</b> that are not strings become property names as msgpackr's {@code
 *       asSafeString} makes them: numbers, booleans, null and undefined by their JavaScript text;
 *       any other key (binary, array, map, date, other extensions) makes msgpackr refuse the
 *       message, and so does this class.
 * </ul>
 */
public final class Msgpackr {
  /** The extension type msgpackr decodes as {@code undefined}. */
  public static final byte UNDEFINED_TYPE = 0;

  /** The MessagePack timestamp extension type. */
  public static final byte TIMESTAMP_TYPE = -1;

  /** A JavaScript Date holds at most this many milliseconds either side of the epoch. */
  private static final double MAX_DATE_MILLIS = 8.64e15;

  private Msgpackr() {}

  /** Packs an integer as msgpackr packs the same JavaScript number. */
  public static void packInteger(MessagePacker p, long v) throws IOException {
    if (v >= Integer.MIN_VALUE && v <= 0xFFFF_FFFFL) {
      p.packLong(v); // msgpack-core picks the smallest integer format
    } else {
      p.packDouble(v);
    }
  }

  /**
   * Packs a JavaScript number as msgpackr does: {@code value >>> 0 === value} or {@code value >> 0
   * === value} (an integer in [-2^31, 2^32 - 1], -0 included) as an integer, else float64.
   */
  public static void packNumber(MessagePacker p, double v) throws IOException {
    if (v == Math.rint(v) && v >= Integer.MIN_VALUE && v <= 0xFFFF_FFFFL) {
      p.packLong((long) v);
    } else {
      p.packDouble(v);
    }
  }

  /** Whether an extension of this type is msgpackr's {@code undefined}. */
  public static boolean isUndefined(byte extensionType) {
    return extensionType == UNDEFINED_TYPE;
  }

  /**
   * The Date msgpackr makes of a timestamp extension's payload, or null for an Invalid Date (a
   * length other than 4, 8 or 12, or a time outside a Date's range). The 12-byte form is read as
   * msgpackr reads it: the nanoseconds as a signed 32-bit number and only the low 48 bits of the
   * seconds, with the sign taken from the top bit; outside the range of a Date that gives a
   * different time than the MessagePack specification, and the Node peer sees that time.
   */
  public static Instant date(byte[] d) {
    double millis;
    switch (d.length) {
      case 4:
        millis = u32(d, 0) * 1000.0;
        break;
      case 8:
        {
          int nanos = (u8(d, 0) << 22) + (u8(d, 1) << 14) + (u8(d, 2) << 6) + (u8(d, 3) >> 2);
          long seconds = (u8(d, 3) & 0x3) * 0x1_0000_0000L + u32(d, 4);
          millis = nanos / 1e6 + seconds * 1000.0;
          break;
        }
      case 12:
        {
          // JavaScript's << works on 32-bit integers: a top byte of 0x80 or more makes it negative.
          int nanos = (u8(d, 0) << 24) + (u8(d, 1) << 16) + (u8(d, 2) << 8) + u8(d, 3);
          long seconds =
              ((d[4] & 0x80) != 0 ? -(1L << 48) : 0)
                  + u8(d, 6) * (1L << 40)
                  + u8(d, 7) * (1L << 32)
                  + u8(d, 8) * (1L << 24)
                  + (u8(d, 9) << 16)
                  + (u8(d, 10) << 8)
                  + u8(d, 11);
          millis = nanos / 1e6 + seconds * 1000.0;
          break;
        }
      default:
        return null;
    }
    // new Date(millis): TimeClip refuses what is beyond the range, then truncates toward zero.
    if (!(Math.abs(millis) <= MAX_DATE_MILLIS)) {
      return null;
    }
    return Instant.ofEpochMilli((long) millis);
  }

  /**
   * {@code Date.prototype.toJSON} of a date within a JavaScript Date's range: {@code
   * YYYY-MM-DDTHH:mm:ss.sssZ}, years outside 0..9999 as a sign and six digits ({@code
   * +275760-09-13T00:00:00.000Z}, {@code -000001-01-01T00:00:00.000Z}).
   */
  public static String dateJson(Instant t) {
    LocalDateTime d = LocalDateTime.ofEpochSecond(t.getEpochSecond(), t.getNano(), ZoneOffset.UTC);
    StringBuilder s = new StringBuilder(27);
    int year = d.getYear();
    if (year >= 0 && year <= 9999) {
      pad(s, year, 4);
    } else {
      s.append(year < 0 ? '-' : '+');
      pad(s, Math.abs(year), 6);
    }
    pad(s.append('-'), d.getMonthValue(), 2);
    pad(s.append('-'), d.getDayOfMonth(), 2);
    pad(s.append('T'), d.getHour(), 2);
    pad(s.append(':'), d.getMinute(), 2);
    pad(s.append(':'), d.getSecond(), 2);
    pad(s.append('.'), d.getNano() / 1_000_000, 3);
    return s.append('Z').toString();
  }

  /**
   * Reads the next value as a map key and returns the property name msgpackr makes of it. A key
   * msgpackr refuses (binary, array, map, a date or another extension) is an IOException naming its
   * type.
   */
  public static String readKey(MessageUnpacker u) throws IOException {
    MessageFormat f = u.getNextFormat();
    switch (f.getValueType()) {
      case STRING:
        return u.unpackString();
      case INTEGER:
        // msgpackr reads int64 and uint64 as BigInt, whose text is exact.
        return f == MessageFormat.UINT64
            ? u.unpackBigInteger().toString()
            : Long.toString(u.unpackLong());
      case FLOAT:
        return numberText(u.unpackDouble());
      case BOOLEAN:
        return Boolean.toString(u.unpackBoolean());
      case NIL:
        u.unpackNil();
        return "null";
      case EXTENSION:
        {
          ExtensionTypeHeader h = u.unpackExtensionTypeHeader();
          if (isUndefined(h.getType())) {
            u.readPayload(h.getLength());
            return "undefined";
          }
          throw refusedKey(h.getType() == TIMESTAMP_TYPE ? "date" : "extension");
        }
      default:
        throw refusedKey(f.getValueType().name().toLowerCase(java.util.Locale.ROOT));
    }
  }

  /** JavaScript's {@code String(number)}. */
  private static String numberText(double d) {
    if (Double.isNaN(d)) {
      return "NaN";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "Infinity" : "-Infinity";
    }
    return JsJson.formatNumber(d);
  }

  private static IOException refusedKey(String type) {
    return new IOException(
        "a map key must be a string, a number, a boolean or null (msgpackr refuses a "
            + type
            + " key)");
  }

  private static int u8(byte[] d, int i) {
    return d[i] & 0xFF;
  }

  private static long u32(byte[] d, int i) {
    return ((long) u8(d, i) << 24) | (u8(d, i + 1) << 16) | (u8(d, i + 2) << 8) | u8(d, i + 3);
  }

  private static void pad(StringBuilder s, int v, int width) {
    String digits = Integer.toString(v);
    for (int i = digits.length(); i < width; i++) {
      s.append('0');
    }
    s.append(digits);
  }
}
