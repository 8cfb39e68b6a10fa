package io.ephemeral.broker.internal;

import java.io.ByteArrayOutputStream;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * At-rest compression of large values (the {@code compression} option): raw deflate at the fastest
 * level, so a big value costs less memory while the broker's answers stay byte-for-byte what the
 * client sent. One instance per event loop; not thread-safe.
 */
final class ValueCodec {
  private final Deflater deflater = new Deflater(Deflater.BEST_SPEED, true);
  private final Inflater inflater = new Inflater(true);
  private final byte[] chunk = new byte[16 * 1024];

  byte[] deflate(byte[] data, int off, int len) {
    deflater.reset();
    deflater.setInput(data, off, len);
    deflater.finish();
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, len / 4));
    while (!deflater.finished()) {
      int n = deflater.deflate(chunk);
      out.write(chunk, 0, n);
    }
    return out.toByteArray();
  }

  void inflate(byte[] packed, int off, int len, ByteOutput out) {
    inflater.reset();
    inflater.setInput(packed, off, len);
    try {
      while (!inflater.finished()) {
        int n = inflater.inflate(chunk);
        if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
          throw new IllegalStateException("stored value is truncated");
        }
        out.write(chunk, 0, n);
      }
    } catch (DataFormatException e) {
      throw new IllegalStateException("stored value is corrupt", e);
    }
  }
}
