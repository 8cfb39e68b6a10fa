package io.ephemeral.client.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;

/**
 * One client's conversions between user objects and the values on the wire, through its {@link
 * ValueMapper}, with failures turned into protocol codes. Values that are already in wire form pass
 * through: a {@link Params} is sent as its bytes, a Jackson 2 {@code JsonNode} as its tree.
 */
final class Values {
  /** For values made outside a client: mapped with {@link ValueMapper#forClassPath()}. */
  static Values byDefault() {
    return Default.VALUES;
  }

  private static final class Default {
    static final Values VALUES = new Values(ValueMapper.forClassPath());
  }

  private static final boolean JACKSON_3 = jackson3Present();

  final ValueMapper mapper;

  /**
   * A Jackson 2 mapper, when the frames are MessagePack: values are then mapped to and from
   * MessagePack directly ({@link Jackson2Msgpack}, else through trees), not through JSON text
   * (which would be parsed or written once more).
   */
  private final com.fasterxml.jackson.databind.ObjectMapper treeMapper;

  /** The mapper of a {@link Jackson2Values}, which types are resolved with once (see Target). */
  private final com.fasterxml.jackson.databind.ObjectMapper jackson2;

  private final boolean keepsNullMembers;

  /** For JSON frames and a Jackson 2 mapper: values written straight into the frames. */
  private final DirectJson directJson;

  Values(ValueMapper mapper) {
    this(mapper, Serializer.JSON);
  }

  Values(ValueMapper mapper, Serializer serializer) {
    this.mapper = mapper;
    this.jackson2 = mapper instanceof Jackson2Values ? ((Jackson2Values) mapper).mapper() : null;
    this.treeMapper = serializer == Serializer.MSGPACK ? jackson2 : null;
    this.keepsNullMembers = treeMapper == null || Jackson2Msgpack.keepsNullMembers(treeMapper);
    this.directJson =
        serializer == Serializer.JSON && jackson2 != null ? new DirectJson(jackson2) : null;
  }

  /**
   * {@code value} ready for the wire: a {@link Params}, a Jackson 2 {@code JsonNode}, or a value
   * the frame's generator or packer writes itself ({@link DirectJson.Value}, {@link
   * Jackson2Msgpack.Packable}).
   *
   * @throws ServiceException {@code SERIALIZATION_FAILED} if the mapper cannot write it
   */
  Object outgoing(Object value) {
    if (value == null || value instanceof Params || value instanceof JsonNode) {
      return outgoingTree(value);
    }
    if (directJson != null && directJson.fits()) {
      return directJson.of(value);
    }
    if (treeMapper != null) {
      try {
        Jackson2Msgpack.Packable packable =
            Jackson2Msgpack.serialize(treeMapper, value, keepsNullMembers);
        if (packable != null) {
          return packable;
        }
      } catch (java.io.IOException | RuntimeException e) {
        throw serializationFailed(value, e);
      }
    }
    return outgoingTree(value);
  }

  /** {@link #outgoing} without the shortcuts: JSON text or a tree. */
  private Object outgoingTree(Object value) {
    if (value == null) {
      return JsonNodeFactory.instance.nullNode();
    }
    if (value instanceof Params) {
      return value;
    }
    if (value instanceof JsonNode) {
      return value;
    }
    if (treeMapper != null) {
      try {
        JsonNode tree = treeMapper.valueToTree(value);
        return tree == null ? JsonNodeFactory.instance.nullNode() : tree;
      } catch (IllegalArgumentException e) {
        throw serializationFailed(value, e);
      }
    }
    byte[] json;
    try {
      json = mapper.toJson(value);
    } catch (Exception e) {
      throw serializationFailed(value, e);
    }
    return new Params(json, false, this);
  }

  static ServiceException serializationFailed(Object value, Exception e) {
    return ServiceException.of(
        ServiceException.SERIALIZATION_FAILED,
        "Cannot serialize " + value.getClass().getName() + ": " + rootMessage(e),
        e);
  }

  /** The JSON text of {@code value}, as {@link #outgoing} would send it. */
  byte[] json(Object value) {
    Object out = outgoingTree(value);
    if (out instanceof Params) {
      return ((Params) out).json();
    }
    try {
      return WireCodec.JSON.writeValueAsBytes(out);
    } catch (java.io.IOException e) {
      throw ServiceException.of(
          ServiceException.SERIALIZATION_FAILED, "Cannot serialize a tree: " + rootMessage(e), e);
    }
  }

  /**
   * {@code value} as a {@code type}: the tree for {@code JsonNode}, the value itself for {@code
   * Params}, nothing for {@code Void}, else what the mapper reads.
   *
   * @throws ServiceException {@code DESERIALIZATION_FAILED} if it does not fit the type
   */
  <T> T incoming(Params value, Type type) {
    return incoming(value, target(type));
  }

  /** What {@link #incoming} works out from a type, once for a typed proxy's method. */
  static final class Target {
    final Type type;
    final Class<?> raw;

    /** The Jackson 2 mapper's type, or null (another mapper, or a type it refused). */
    final com.fasterxml.jackson.databind.JavaType javaType;

    private Target(Type type, com.fasterxml.jackson.databind.JavaType javaType) {
      this.type = type;
      this.raw = rawClass(type);
      this.javaType = javaType;
    }
  }

  /** The target {@code type}, for {@link #incoming(Params, Target)}. */
  Target target(Type type) {
    com.fasterxml.jackson.databind.JavaType javaType = null;
    if (jackson2 != null) {
      try {
        javaType = jackson2.constructType(type);
      } catch (RuntimeException e) {
        // left to each call, which reports it as the value not fitting
      }
    }
    return new Target(type, javaType);
  }

  /** {@link #incoming(Params, Type)} for a target worked out before. */
  @SuppressWarnings("unchecked")
  <T> T incoming(Params value, Target target) {
    Class<?> raw = target.raw;
    Type type = target.type;
    if (raw == Params.class) {
      return (T) value.mappedBy(this);
    }
    if (raw == JsonNode.class) {
      return (T) value.tree();
    }
    if (raw == Void.class || raw == void.class) {
      return null;
    }
    try {
      com.fasterxml.jackson.databind.JavaType javaType =
          target.javaType != null || jackson2 == null
              ? target.javaType
              : jackson2.constructType(type);
      if (treeMapper != null && value.isMessagePack()) {
        if (!com.fasterxml.jackson.core.TreeNode.class.isAssignableFrom(raw)) {
          Object read = Jackson2Msgpack.read(treeMapper, value.raw(), javaType);
          if (read != Jackson2Msgpack.TREE_PATH) {
            return (T) read;
          }
        }
        return (T) treeMapper.treeToValue(value.tree(), javaType);
      }
      byte[] json = value.isMessagePack() ? value.json() : value.raw();
      if (jackson2 != null) {
        return (T) jackson2.readValue(json, 0, json.length, javaType); // as Jackson2Values does
      }
      return (T) mapper.fromJson(json, 0, json.length, type);
    } catch (Exception e) {
      throw ServiceException.of(
          ServiceException.DESERIALIZATION_FAILED,
          "Cannot map the value to " + type.getTypeName() + ": " + rootMessage(e),
          e);
    }
  }

  /** See {@link ValueMapper#forClassPath()}. */
  static ValueMapper mapperForClassPath() {
    if (JACKSON_3) {
      return Jackson3Values.create(); // Jackson3Values is loaded only now: it needs Jackson 3
    }
    return Jackson2Values.create();
  }

  private static boolean jackson3Present() {
    try {
      Class.forName("tools.jackson.databind.json.JsonMapper", false, Values.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  static Class<?> rawClass(Type type) {
    if (type instanceof Class) {
      return (Class<?>) type;
    }
    if (type instanceof ParameterizedType) {
      return rawClass(((ParameterizedType) type).getRawType());
    }
    return Object.class;
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
