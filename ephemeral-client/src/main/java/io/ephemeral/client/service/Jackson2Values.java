package io.ephemeral.client.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.reflect.Type;
import java.util.Objects;

/** Maps values with a Jackson 2 {@code ObjectMapper} ({@code com.fasterxml.jackson.databind}). */
public final class Jackson2Values implements ValueMapper {
  private final ObjectMapper mapper;

  private Jackson2Values(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  /** Maps values with {@code mapper}, as configured (modules, naming, features). */
  public static Jackson2Values of(ObjectMapper mapper) {
    return new Jackson2Values(Objects.requireNonNull(mapper, "mapper"));
  }

  /** Maps values with a default {@code new ObjectMapper()}. */
  public static Jackson2Values create() {
    return new Jackson2Values(new ObjectMapper());
  }

  /** The mapper values are mapped with. */
  public ObjectMapper mapper() {
    return mapper;
  }

  @Override
  public byte[] toJson(Object value) throws Exception {
    return mapper.writeValueAsBytes(value);
  }

  @Override
  public Object fromJson(byte[] json, int offset, int length, Type type) throws Exception {
    return mapper.readValue(json, offset, length, mapper.constructType(type));
  }

  @Override
  public String toString() {
    return "Jackson2Values[" + mapper.getClass().getName() + "]";
  }
}
