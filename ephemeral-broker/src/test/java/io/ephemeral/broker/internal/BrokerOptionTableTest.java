package io.ephemeral.broker.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ephemeral.broker.Broker;
import io.ephemeral.broker.BrokerOption;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every row of the option table works the same way: its builder method exists, its environment
 * variable and {@link Broker.Builder#option} reach the same setting (and move it off the default),
 * and a value out of range is refused by its rule, naming the variable or the option.
 */
class BrokerOptionTableTest {

  /** A valid value other than the default, as text. */
  private static String sample(BrokerOption o) {
    switch (o.kind()) {
      case BOOLEAN:
        return String.valueOf(!(Boolean) o.defaultValue());
      case TEXT:
        return o == BrokerOption.STORE ? "memory" : o == BrokerOption.PIPE_ID ? "ci-7" : "s3cret";
      case SIZE:
        return "64m";
      case NAMES:
        return "billing,report-*";
      case CHOICE:
        List<String> names = List.copyOf(o.choices().keySet());
        return o == BrokerOption.LOG_LEVEL ? "warn" : names.get(names.size() > 2 ? 2 : 1);
      default:
        long def = ((Number) o.defaultValue()).longValue();
        return String.valueOf(def == o.min() ? o.min() + 1 : o.min());
    }
  }

  /** What an option needs beside it (replay protection needs a secret). */
  private static Map<String, String> base(BrokerOption o) {
    Map<String, String> env = new HashMap<>();
    if (o == BrokerOption.REPLAY_PROTECTION) {
      env.put("BROKER_SECRET", "s");
    }
    return env;
  }

  /** The resolved settings, without those no option sets. */
  private static Map<String, Object> settings(BrokerConfig c) throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    for (RecordComponent rc : BrokerConfig.class.getRecordComponents()) {
      if (!List.of("environment", "clock").contains(rc.getName())) {
        Object v = rc.getAccessor().invoke(c);
        // Patterns have no equals: compare what they match by.
        out.put(rc.getName(), v instanceof List ? String.valueOf(v) : v);
      }
    }
    return out;
  }

  @ParameterizedTest
  @EnumSource(BrokerOption.class)
  void theBuilderHasAMethodNamedAsTheOption(BrokerOption o) {
    assertThat(Arrays.stream(Broker.Builder.class.getMethods()).map(Method::getName))
        .contains(o.optionName());
    assertThat(o.environmentVariable()).startsWith("BROKER_");
    assertThat(o.description()).isNotBlank().doesNotContain("\n");
    if (o.flag() != null) {
      assertThat(o.flag()).startsWith("--");
    }
  }

  @ParameterizedTest
  @EnumSource(BrokerOption.class)
  void theVariableAndTheBuilderSetTheSameSetting(BrokerOption o) throws Exception {
    String text = sample(o);
    Map<String, String> env = base(o);
    Map<String, Object> defaults =
        settings(BrokerConfig.resolve(Broker.builder().environment(env)));
    env.put(o.environmentVariable(), text);
    Map<String, Object> fromEnv = settings(BrokerConfig.resolve(Broker.builder().environment(env)));
    Map<String, Object> fromBuilder =
        settings(BrokerConfig.resolve(Broker.builder().environment(base(o)).option(o, text)));
    assertThat(fromBuilder).isEqualTo(fromEnv);
    if (o != BrokerOption.STORE) { // "memory" is the default store
      assertThat(fromEnv).as("%s=%s", o.environmentVariable(), text).isNotEqualTo(defaults);
    }
  }

  @org.junit.jupiter.api.Test
  void sizesTakeBinaryUnitsAndNamesAreSeparatedByCommas() {
    assertThat(BrokerOption.MAX_MEMORY.parse("512m")).isEqualTo(512L << 20);
    assertThat(BrokerOption.MAX_MEMORY.parse("2GiB")).isEqualTo(2L << 30);
    assertThat(BrokerOption.MAX_MEMORY.parse("4096")).isEqualTo(4096L);
    assertThatThrownBy(() -> Broker.builder().option(BrokerOption.MAX_MEMORY, "12x"))
        .hasMessage("maxMemory: '12x' is not a size (bytes, or a number with k, m or g: 512m, 2g)");
    assertThatThrownBy(() -> Broker.builder().maxMemory(0))
        .hasMessageStartingWith("maxMemory " + BrokerOption.MAX_MEMORY.rule());
    assertThat(BrokerOption.ALLOW_UNSIGNED_SERVICES.parse(" a, b* ,,"))
        .isEqualTo(List.of("a", "b*"));
  }

  @ParameterizedTest
  @EnumSource(
      value = BrokerOption.Kind.class,
      names = {"COUNT", "BYTES", "MILLIS", "MICROS"})
  void numbersOutOfRangeAreRefusedByTheRowsRule(BrokerOption.Kind kind) {
    for (BrokerOption o : BrokerOption.values()) {
      if (o.kind() != kind) {
        continue;
      }
      String below = String.valueOf(o.min() - 1);
      Map<String, String> env = base(o);
      env.put(o.environmentVariable(), below);
      assertThatThrownBy(() -> BrokerConfig.resolve(Broker.builder().environment(env)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "environment variable " + o.environmentVariable() + ": " + below + " " + o.rule());
      assertThatThrownBy(() -> Broker.builder().option(o, below))
          .hasMessage(o.optionName() + ": " + below + " " + o.rule());
      assertThatThrownBy(() -> Broker.builder().option(o, "ten"))
          .hasMessage(o.optionName() + ": 'ten' is not a whole number");
    }
  }
}
