package io.ephemeral.client;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Base64;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Value compression exactly as the Node client does it: when enabled and the value's JSON text is
 * at least {@code threshold} UTF-16 code units long, the value sent is the JSON string {@code
 * base64(gzip(utf8(json)))} with {@code compressed:true}, {@code beforeSize} = JSON length and
 * {@code afterSize} = base64 length; otherwise the JSON itself with {@code compressed:false,
 * beforeSize:0, afterSize:0}.
 */
final class Values {
  private Values() {}

  /** What goes into a {@code set} request for one value. */
  record Encoded(byte[] json, boolean compressed, int beforeSize, int afterSize) {}

  static Encoded encode(byte[] json, boolean compression, int threshold) {
    int units = utf16Length(json);
    if (!compression || units < threshold) {
      return new Encoded(json, false, 0, 0);
    }
    byte[] b64 = Base64.getEncoder().encode(gzip(json));
    byte[] quoted = new byte[b64.length + 2];
    quoted[0] = '"';
    System.arraycopy(b64, 0, quoted, 1, b64.length);
    quoted[quoted.length - 1] = '"';
    return new Encoded(quoted, true, units, b64.length);
  }

  /**
   * Reverses {@link #encode} for a value the broker returned with {@code compressed:true}.
   *
   * @return the UTF-8 JSON text
   * @throws ValueDecodingException naming the key for bad base64, bad gzip or a decompressed size
   *     above {@code maxBytes}
   */
  static byte[] decompress(String key, String base64, int maxBytes) {
    if (base64 == null) {
      throw new ValueDecodingException(
          key,
          "Failed to decompress the value of key "
              + Text.quote(key)
              + ": it is marked compressed but is not a base64 string. "
              + "This indicates corrupt data or a writer that does not follow the protocol.",
          null);
    }
    byte[] gz;
    try {
      gz = Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw new ValueDecodingException(
          key,
          "Failed to decompress the value of key "
              + Text.quote(key)
              + ": the stored data is not valid base64 ("
              + e.getMessage()
              + "). "
              + "This indicates corrupt data or a writer that does not follow the protocol.",
          e);
    }
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gz), 8192)) {
      byte[] out = new byte[Math.min(Math.max(gz.length * 4, 256), maxBytes + 1)];
      int n = 0;
      while (true) {
        if (n == out.length) {
          if (n > maxBytes) {
            throw new ValueDecodingException(
                key,
                "Refusing to decompress the value of key "
                    + Text.quote(key)
                    + ": it expands to more than maxDecompressedBytes ("
                    + maxBytes
                    + " bytes) from "
                    + gz.length
                    + " compressed bytes. "
                    + "If the value is legitimate, raise maxDecompressedBytes in the client "
                    + "builder.",
                null);
          }
          out = Arrays.copyOf(out, (int) Math.min((long) out.length * 2, (long) maxBytes + 1));
        }
        int r = in.read(out, n, out.length - n);
        if (r < 0) {
          break;
        }
        n += r;
      }
      return n == out.length ? out : Arrays.copyOf(out, n);
    } catch (IOException e) {
      throw new ValueDecodingException(
          key,
          "Failed to decompress the value of key "
              + Text.quote(key)
              + ": the stored data is not valid gzip ("
              + e.getMessage()
              + "). "
              + "This indicates corrupt data or a writer that does not follow the protocol.",
          e);
    }
  }

  /** Checks that {@code json} holds exactly one JSON value. */
  static void requireJson(String key, byte[] json) {
    try (JsonParser p = Reply.JSON.createParser(json)) {
      JsonToken t = p.nextToken();
      if (t == null) {
        throw new IOException("no JSON value");
      }
      p.skipChildren();
      if (p.nextToken() != null) {
        throw new IOException("more than one JSON value");
      }
    } catch (IOException e) {
      throw new ValueDecodingException(
          key,
          "The decompressed value of key "
              + Text.quote(key)
              + " is not valid JSON: "
              + e.getMessage(),
          e);
    }
  }

  static byte[] gzip(byte[] data) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(Math.max(64, data.length / 4));
    try (OutputStream out = new GZIPOutputStream(bytes, 8192)) {
      out.write(data);
    } catch (IOException e) {
      throw new IllegalStateException("gzip to memory failed", e); // cannot happen
    }
    return bytes.toByteArray();
  }

  /** Length in UTF-16 code units (JavaScript string length) of valid UTF-8. */
  static int utf16Length(byte[] utf8) {
    int units = 0;
    for (byte b : utf8) {
      if ((b & 0xC0) != 0x80) {
        units += (b & 0xF8) == 0xF0 ? 2 : 1;
      }
    }
    return units;
  }
}
