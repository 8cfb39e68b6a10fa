package io.ephemeral.client;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;

/**
 * The client's mapper for values: the builder's, else a default one made on first use. The first
 * ObjectMapper of a JVM costs tens of milliseconds (it loads the locale data of its date formats),
 * which calls that map no values, such as brokerctl ping, never pay. Two threads may both make one;
 * either serves.
 */
final class ClientMapper {
  private volatile ObjectMapper mapper;

  /** Writes values; surrogate pairs as UTF-8 (like JSON.stringify), not as escapes. */
  private volatile ObjectWriter writer;

  /** {@code given} null: a default mapper, made when first needed. */
  ClientMapper(ObjectMapper given) {
    this.mapper = given;
  }

  ObjectMapper mapper() {
    ObjectMapper m = mapper;
    if (m == null) {
      m = new ObjectMapper();
      mapper = m;
    }
    return m;
  }

  ObjectWriter writer() {
    ObjectWriter w = writer;
    if (w == null) {
      w = mapper().writer().with(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8);
      writer = w;
    }
    return w;
  }
}
