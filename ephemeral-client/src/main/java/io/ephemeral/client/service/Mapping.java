package io.ephemeral.client.service;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/** Conversions between user objects and trees, with errors turned into protocol codes. */
final class Mapping {
  private Mapping() {}

  static JsonNode toTree(ObjectMapper mapper, Object value) {
    if (value == null) {
      return JsonNodeFactory.instance.nullNode();
    }
    if (value instanceof JsonNode) {
      return (JsonNode) value;
    }
    try {
      JsonNode tree = mapper.valueToTree(value);
      return tree == null ? JsonNodeFactory.instance.nullNode() : tree;
    } catch (IllegalArgumentException e) {
      throw new ServiceException(
          ServiceException.SERIALIZATION_FAILED,
          "Cannot serialize " + value.getClass().getName() + ": " + rootMessage(e),
          e);
    }
  }

  @SuppressWarnings("unchecked")
  static <T> T fromTree(ObjectMapper mapper, JsonNode tree, JavaType type) {
    Class<?> raw = type.getRawClass();
    if (raw == JsonNode.class || raw == Object.class && tree == null) {
      return (T) tree;
    }
    if (raw == Void.class || raw == void.class) {
      return null;
    }
    try {
      return mapper.treeToValue(tree, type);
    } catch (Exception e) {
      throw new ServiceException(
          ServiceException.DESERIALIZATION_FAILED,
          "Cannot map the result to " + type.toCanonical() + ": " + rootMessage(e),
          e);
    }
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String m = t.getMessage();
    return m == null ? t.getClass().getName() : m;
  }
}
