package io.ephemeral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Main turns off picocli's converters for java.time and java.sql types ({@link
 * Main#UNUSED_CONVERTERS}): no option or parameter of either command may have such a type.
 */
class UnusedConvertersTest {

  private static final PrintWriter NOWHERE = new PrintWriter(new StringWriter());

  @Test
  void noOptionOfEitherCommandHasATypeWhoseConverterIsTurnedOff() {
    List<String> types = new ArrayList<>();
    types(Main.broker(Map.of(), NOWHERE, NOWHERE).getCommandSpec(), types);
    types(new Ctl(Map.of(), NOWHERE).spec(), types);
    assertThat(types).contains("java.lang.String", "java.nio.file.Path", "java.lang.Long");
    Pattern excluded = Pattern.compile(Main.UNUSED_CONVERTERS);
    assertThat(types).noneMatch(type -> excluded.matcher(type).matches());
  }

  @Test
  void theExpressionTurnsOffWhatItSays() {
    Pattern excluded = Pattern.compile(Main.UNUSED_CONVERTERS);
    assertThat(excluded.matcher("java.time.Duration").matches()).isTrue();
    assertThat(excluded.matcher("java.sql.Timestamp").matches()).isTrue();
    assertThat(excluded.matcher("java.nio.file.Path").matches()).isFalse();
  }

  /** The type and element types of every option and parameter of {@code spec} and below. */
  private static void types(CommandSpec spec, List<String> into) {
    for (ArgSpec arg : spec.args()) {
      into.add(arg.type().getName());
      for (Class<?> aux : arg.auxiliaryTypes()) {
        into.add(aux.getName());
      }
    }
    for (CommandLine sub : spec.subcommands().values()) {
      types(sub.getCommandSpec(), into);
    }
  }
}
