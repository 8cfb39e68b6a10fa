package io.ephemeral.client.service;

import java.lang.reflect.Type;
import java.util.Objects;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Maps values with a Jackson 3 {@code ObjectMapper} ({@code tools.jackson.databind}, e.g. the
 * {@code JsonMapper} of a Spring Boot 4 application). Jackson 3 is an optional dependency of the
 * client: this class needs it on the class path, nothing else does.
 */
public final class Jackson3Values implements ValueMapper {
  private final ObjectMapper mapper;

  private Jackson3Values(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  /** Maps values with {@code mapper}, as configured (modules, naming, features). */
  public static Jackson3Values of(ObjectMapper mapper) {
    return new Jackson3Values(Objects.requireNonNull(mapper, "mapper"));
  }

  /** Maps values with a default {@code JsonMapper}. */
  public static Jackson3Values create() {
    return new Jackson3Values(JsonMapper.builder().build());
  }

  /** The mapper values are mapped with. */
  public ObjectMapper mapper() {
    return mapper;
  }

  @Override
  public byte[] toJson(Object value) {
    return mapper.writeValueAsBytes(value);
  }

  @Override
  public Object fromJson(byte[] json, int offset, int length, Type type) {
    return mapper.readValue(json, offset, length, mapper.constructType(type));
  }

  @Override
  public String toString() {
    return "Jackson3Values[" + mapper.getClass().getName() + "]";
  }
}
