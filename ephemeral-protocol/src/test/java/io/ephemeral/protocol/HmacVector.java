package io.ephemeral.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** One entry of hmac-vectors.json, produced by src/test/node/make-hmac-vectors.mjs. */
record HmacVector(
    String name, String secret, String request, String canonical, String hmac, boolean accepted) {

  static final String RESOURCE = "/hmac-vectors.json";

  static List<HmacVector> load() {
    try (InputStream in = HmacVector.class.getResourceAsStream(RESOURCE);
        JsonParser parser = new JsonFactory().createParser(in)) {
      List<HmacVector> vectors = new ArrayList<>();
      expect(parser.nextToken(), JsonToken.START_ARRAY);
      while (parser.nextToken() == JsonToken.START_OBJECT) {
        String name = null;
        String secret = null;
        String request = null;
        String canonical = null;
        String hmac = null;
        Boolean accepted = null;
        String field;
        while ((field = parser.nextFieldName()) != null) {
          parser.nextToken();
          switch (field) {
            case "name" -> name = parser.getText();
            case "secret" -> secret = parser.getText();
            case "request" -> request = parser.getText();
            case "canonical" -> canonical = parser.getText();
            case "hmac" -> hmac = parser.getText();
            case "accepted" -> accepted = parser.getBooleanValue();
            default -> throw new IllegalStateException("unexpected member " + field);
          }
        }
        if (name == null
            || secret == null
            || request == null
            || canonical == null
            || hmac == null
            || accepted == null) {
          throw new IllegalStateException("incomplete vector " + name);
        }
        vectors.add(new HmacVector(name, secret, request, canonical, hmac, accepted));
      }
      return vectors;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void expect(JsonToken actual, JsonToken expected) {
    if (actual != expected) {
      throw new IllegalStateException("expected " + expected + " but got " + actual);
    }
  }

  @Override
  public String toString() {
    return name;
  }
}
