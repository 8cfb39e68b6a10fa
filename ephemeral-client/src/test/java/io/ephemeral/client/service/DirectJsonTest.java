package io.ephemeral.client.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Values written by a Jackson 2 mapper straight into a JSON frame against the frame with the
 * mapper's own {@code writeValueAsBytes} in it: the same bytes, and the old way for every mapper
 * whose output the frame's generator would change.
 */
class DirectJsonTest {
  private static final CallContext CONTEXT =
      new CallContext("root-1", List.of("caller"), 2, 1_800_000_000_000L, null);

  record Item(long n, String text, List<Object> more, Map<String, Object> extra) {}

  @Test
  void writesTheBytesOfTheMappersOwnJson() throws IOException {
    ObjectMapper mapper = new ObjectMapper();
    Values values = new Values(Jackson2Values.of(mapper), Serializer.JSON);
    Random r = new Random(4711);
    for (int i = 0; i < 4000; i++) {
      Object value =
          i % 3 == 0
              ? new Item(
                  r.nextLong(),
                  RandomValues.text(r),
                  java.util.Arrays.asList(RandomValues.javaValue(r, 2)),
                  java.util.Collections.singletonMap(
                      RandomValues.text(r), RandomValues.javaValue(r, 1)))
              : RandomValues.javaValue(r, 0);
      if (value == null) {
        continue;
      }
      Object out = values.outgoing(value);
      assertThat(out).isInstanceOf(DirectJson.Value.class);
      assertThat(call(out)).as("value %s", value).isEqualTo(call(ownJson(mapper, value)));
    }
  }

  @Test
  void aMapperWhoseOutputDiffersWritesItsOwnJson() throws IOException {
    ObjectMapper escaping = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();
    ObjectMapper indenting = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectMapper plainDecimals = new ObjectMapper();
    plainDecimals.setConfig(
        plainDecimals
            .getSerializationConfig()
            .with(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN));
    Object value = Map.of("é", new java.math.BigDecimal("1E+3"), "list", List.of(1, 2));
    for (ObjectMapper mapper : List.of(escaping, indenting, plainDecimals)) {
      Values values = new Values(Jackson2Values.of(mapper), Serializer.JSON);
      Object out = values.outgoing(value);
      assertThat(out).isInstanceOf(Params.class);
      assertThat(((Params) out).raw()).isEqualTo(mapper.writeValueAsBytes(value));
    }
    // changed after the client was made: noticed on the next value
    ObjectMapper later = new ObjectMapper();
    Values values = new Values(Jackson2Values.of(later), Serializer.JSON);
    assertThat(values.outgoing(value)).isInstanceOf(DirectJson.Value.class);
    later.enable(SerializationFeature.INDENT_OUTPUT);
    assertThat(values.outgoing(value)).isInstanceOf(Params.class);
  }

  /** Writes its value through the generator's codec, as some custom serializers do. */
  static final class ThroughCodec extends StdSerializer<Wrapper> {
    ThroughCodec() {
      super(Wrapper.class);
    }

    @Override
    public void serialize(Wrapper w, JsonGenerator g, SerializerProvider p) throws IOException {
      g.writeObject(w.inner);
    }
  }

  @JsonSerialize(using = ThroughCodec.class)
  static final class Wrapper {
    final Object inner;

    Wrapper(Object inner) {
      this.inner = inner;
    }
  }

  record Named(String firstName) {}

  @Test
  void serializersThatUseTheGeneratorsCodecGetTheClientsMapper() throws IOException {
    ObjectMapper snake =
        new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
    Values values = new Values(Jackson2Values.of(snake), Serializer.JSON);
    Object value = new Wrapper(new Named("Ada"));
    Object out = values.outgoing(value);
    assertThat(out).isInstanceOf(DirectJson.Value.class);
    assertThat(new String(call(out), java.nio.charset.StandardCharsets.UTF_8))
        .contains("\"params\":{\"first_name\":\"Ada\"}");
    assertThat(call(out)).isEqualTo(call(ownJson(snake, value)));
  }

  record Failing(String name) {
    public String getBoom() {
      throw new IllegalStateException("boom");
    }
  }

  @Test
  void aValueTheMapperCannotWriteIsSerializationFailed() {
    Values values = new Values(Jackson2Values.of(new ObjectMapper()), Serializer.JSON);
    Object out = values.outgoing(new Failing("x"));
    assertThatThrownBy(() -> call(out))
        .isInstanceOfSatisfying(
            ServiceException.class,
            e -> assertThat(e.code()).isEqualTo(ServiceException.SERIALIZATION_FAILED))
        .hasMessage("Cannot serialize " + Failing.class.getName() + ": boom");
  }

  private static Params ownJson(ObjectMapper mapper, Object value) throws IOException {
    return new Params(mapper.writeValueAsBytes(value), false, null);
  }

  private static byte[] call(Object params) throws IOException {
    return WireCodec.encodeCall(
        Serializer.JSON, "id-1", "caller", "callee", "echo", params, CONTEXT);
  }
}
