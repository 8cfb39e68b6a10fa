package io.ephemeral.client.service;

import java.lang.reflect.Type;

/**
 * Maps the values of service calls (params and results) between Java objects and JSON text. A
 * {@link ServiceClient} uses one for everything that is not already JSON: the params given to
 * {@code call}, handler results, the arguments and results of {@linkplain ServiceInterface typed
 * interfaces}.
 *
 * <p>Two adapters come with the client, one per Jackson major version, so an application keeps the
 * mapper it already configured: {@link Jackson2Values} for a {@code
 * com.fasterxml.jackson.databind.ObjectMapper} and {@link Jackson3Values} for a {@code
 * tools.jackson.databind.ObjectMapper} (a Jackson 3 {@code JsonMapper}). Implement it to use any
 * other JSON library. On MessagePack connections values are converted between JSON and MessagePack
 * by the client, with the Node {@code msgpackr} rules.
 */
public interface ValueMapper {
  /**
   * The UTF-8 JSON text of {@code value}.
   *
   * @throws Exception if the value cannot be written; the call fails with {@code
   *     SERIALIZATION_FAILED} and the exception's message
   */
  byte[] toJson(Object value) throws Exception;

  /**
   * The JSON text at {@code json[offset..offset+length)} as a {@code type}.
   *
   * @throws Exception if the text does not fit the type; the call fails with {@code
   *     DESERIALIZATION_FAILED} and the exception's message
   */
  Object fromJson(byte[] json, int offset, int length, Type type) throws Exception;

  /**
   * A mapper for the Jackson the class path has: a default Jackson 3 {@code JsonMapper} when
   * Jackson 3 ({@code tools.jackson.databind}) is present, as in a Spring Boot 4 application,
   * otherwise a default Jackson 2 {@code ObjectMapper}. Pass your own configured mapper through
   * {@link ServiceClient.Builder#valueMapper} to keep its modules and settings.
   */
  static ValueMapper forClassPath() {
    return Values.mapperForClassPath();
  }
}
