package io.ephemeral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ephemeral.cli.Cli.Result;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Help for every subcommand, {@code brokerctl help CMD}, and "did you mean" for typos. */
class CtlHelpTest {

  static Set<String> subcommands() {
    return new Ctl(Map.of(), new PrintWriter(new StringWriter())).spec().subcommands().keySet();
  }

  @ParameterizedTest
  @MethodSource("subcommands")
  void everySubcommandHasHelpWithoutItsRequiredArguments(String command) {
    Result help = Cli.ctl(Map.of(), command, "--help");
    assertThat(help.status()).as(help.toString()).isZero();
    assertThat(help.err()).isEmpty();
    assertThat(help.out()).startsWith("Usage: brokerctl " + command + " ").contains("--json");
    assertThat(Cli.ctl(Map.of(), "-h", command).out())
        .as("-h before the command is the root's help")
        .startsWith("Usage: brokerctl [");
    Result viaHelp = Cli.ctl(Map.of(), "help", command);
    assertThat(viaHelp.status()).isZero();
    assertThat(viaHelp.out()).isEqualTo(help.out());
  }

  @Test
  void helpWithoutACommandIsTheRootHelpWithTheExitStatuses() {
    Result help = Cli.ctl(Map.of(), "help");
    assertThat(help.status()).isZero();
    assertThat(help.out()).isEqualTo(Cli.ctl(Map.of(), "--help").out());
    for (ExitStatus status : ExitStatus.values()) {
      String start = status.meaning.substring(0, Math.min(20, status.meaning.length()));
      assertThat(help.out()).containsPattern("\\n  " + status.code + " +" + Pattern.quote(start));
    }
  }

  @ParameterizedTest
  @CsvSource({
    "gte, get",
    "pnig, ping",
    "lsit, list",
    "stat, stats",
    "releas, release",
    "hlep, help",
    "serv, services",
    "metrcis, metrics",
    "helth, health"
  })
  void aMistypedCommandGetsASuggestion(String typo, String meant) {
    Result result = Cli.ctl(Map.of(), typo, "k");
    assertThat(result.status()).isEqualTo(ExitStatus.USAGE.code);
    assertThat(result.out()).isEmpty();
    assertThat(result.err())
        .startsWith("Error: unknown command '" + typo + "'\nDid you mean: " + meant)
        .endsWith("Try 'brokerctl --help' for more information.\n");
    assertThat(Cli.ctl(Map.of(), "help", typo).err())
        .contains("unknown command '" + typo + "'\nDid you mean: " + meant);
  }

  @Test
  void aMistypedOptionGetsASuggestion() {
    Result result = Cli.ctl(Map.of(), "get", "--jsn", "k");
    assertThat(result.status()).isEqualTo(ExitStatus.USAGE.code);
    assertThat(result.err())
        .isEqualTo(
            "Error: Unknown option: '--jsn'\nPossible solutions: --json\n"
                + "Try 'brokerctl get --help' for more information.\n");
  }

  @Test
  void theLauncherSuggestsStartToo() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status =
        Main.run(new String[] {"strat"}, Map.of(), new PrintWriter(out), new PrintWriter(err));
    assertThat(status).isEqualTo(ExitStatus.USAGE.code);
    assertThat(err.toString())
        .isEqualTo(
            "ephemeral-broker: unknown command 'strat'\nDid you mean: start?\n"
                + "Try 'ephemeral-broker --help' for more information.\n");
  }

  @Test
  void distancesCountASwapAsOneEdit() {
    assertThat(Suggestions.distance("gte", "get")).isOne();
    assertThat(Suggestions.distance("ping", "ping")).isZero();
    assertThat(Suggestions.distance("", "del")).isEqualTo(3);
    assertThat(Suggestions.similar("xyzzy", subcommands())).isEmpty();
  }
}
