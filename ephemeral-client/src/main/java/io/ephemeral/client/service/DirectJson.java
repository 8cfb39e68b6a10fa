package io.ephemeral.client.service;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.ObjectCodec;
import com.fasterxml.jackson.databind.MappingJsonFactory;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationConfig;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Values that a client's Jackson 2 mapper writes straight into the JSON generator of the frame that
 * carries them, instead of into a byte array of their own that is then copied into the frame (and a
 * generator and buffers made for that array on every call). Only while the mapper writes exactly
 * what the frame's generator writes ({@link #fits()}): a plain JSON factory with the frames'
 * generator features, no character escapes or output decorator, no pretty printing and no generator
 * feature changed by the mapper's serialization settings. Otherwise values take the mapper's own
 * {@code writeValueAsBytes}, as before.
 */
final class DirectJson {
  private static final JsonFactory FRAMES = WireCodec.JSON.getFactory();

  private final ObjectMapper mapper;

  /**
   * The serialization settings last checked (they are immutable; a changed mapper has new ones).
   */
  private volatile Checked checked;

  private static final class Checked {
    final SerializationConfig config;
    final boolean fits;

    Checked(SerializationConfig config, boolean fits) {
      this.config = config;
      this.fits = fits;
    }
  }

  DirectJson(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  /** Whether the mapper, as configured now, writes what the frame's generator would. */
  boolean fits() {
    JsonFactory f = mapper.getFactory();
    if ((f.getClass() != MappingJsonFactory.class && f.getClass() != JsonFactory.class)
        || f.getGeneratorFeatures() != FRAMES.getGeneratorFeatures()
        || f.getFormatGeneratorFeatures() != FRAMES.getFormatGeneratorFeatures()
        || f.getCharacterEscapes() != null
        || f.getOutputDecorator() != null
        || !sameWriteConstraints(f)) {
      return false;
    }
    SerializationConfig config = mapper.getSerializationConfig();
    Checked c = checked;
    if (c == null || c.config != config) {
      c = new Checked(config, configFits(config));
      checked = c;
    }
    return c.fits;
  }

  private static boolean sameWriteConstraints(JsonFactory f) {
    try {
      return f.streamWriteConstraints().getMaxNestingDepth()
          == FRAMES.streamWriteConstraints().getMaxNestingDepth();
    } catch (LinkageError e) {
      return true; // a Jackson before 2.16 limits no generator's nesting
    }
  }

  /**
   * Whether the serialization settings leave a generator as the frames' factory made it: what
   * {@code writeValueAsBytes} does to its own generator, tried on a generator that writes nowhere.
   */
  private static boolean configFits(SerializationConfig config) {
    if (config.isEnabled(SerializationFeature.INDENT_OUTPUT)
        || config.isEnabled(SerializationFeature.CLOSE_CLOSEABLE)) {
      return false;
    }
    try (JsonGenerator probe = FRAMES.createGenerator(OutputStream.nullOutputStream())) {
      int features = probe.getFeatureMask();
      int format = probe.getFormatFeatures();
      config.initialize(probe);
      return probe.getFeatureMask() == features
          && probe.getFormatFeatures() == format
          && probe.getPrettyPrinter() == null;
    } catch (IOException e) {
      return false;
    }
  }

  /** {@code value}, to be written by {@link Value#writeTo}. */
  Value of(Object value) {
    return new Value(value);
  }

  /** A value on its way into a frame. */
  final class Value {
    private final Object value;

    private Value(Object value) {
      this.value = value;
    }

    /**
     * Writes the value at the generator's position.
     *
     * @throws ServiceException {@code SERIALIZATION_FAILED} if the mapper cannot write it
     */
    void writeTo(JsonGenerator g) {
      ObjectCodec frames = g.getCodec();
      g.setCodec(mapper); // for serializers that write through the generator's codec
      try {
        mapper.writeValue(g, value);
      } catch (IOException | RuntimeException e) {
        throw Values.serializationFailed(value, e);
      } finally {
        g.setCodec(frames);
      }
    }
  }
}
