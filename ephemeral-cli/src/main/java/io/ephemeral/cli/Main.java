package io.ephemeral.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.logging.LogManager;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Entry point of both launchers.
 *
 * <ul>
 *   <li>{@code Main start [flags] [-- CMD ARGS...]} (and {@code --help}, {@code --version}) is
 *       {@code ephemeral-broker};
 *   <li>{@code Main ctl [--pipe P] [--secret S] COMMAND ...} is {@code brokerctl}.
 * </ul>
 */
public final class Main {

  private Main() {}

  /**
   * picocli's built-in converters for types no option of ours has (UnusedConvertersTest checks):
   * every CommandLine registers them, by reflection, which loads and initializes java.time's and
   * java.sql's classes, a few milliseconds of a fresh brokerctl. The value is a list of regular
   * expressions for picocli's {@code picocli.converters.excludes} property.
   */
  static final String UNUSED_CONVERTERS = "java\\.(sql|time)\\..*";

  /** Runs the command line and exits the JVM with its status. */
  public static void main(String[] args) {
    if (System.getProperty("picocli.converters.excludes") == null) {
      System.setProperty("picocli.converters.excludes", UNUSED_CONVERTERS);
    }
    boolean ctl = args.length > 0 && args[0].equals("ctl");
    if (ctl) {
      Ctl.prepareSocketsInBackground();
    }
    configureLogging();
    if (!ctl) {
      StartPreparation.startInBackground();
    }
    PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out), true);
    PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err), true);
    int status = run(args, System.getenv(), out, err);
    out.flush();
    err.flush();
    System.exit(status);
  }

  /**
   * Routes java.util.logging (the SLF4J backend here) to standard error, one message per line as
   * given: the broker has already filtered by its level and formatted the line.
   */
  static void configureLogging() {
    try (InputStream in = Main.class.getResourceAsStream("logging.properties")) {
      if (in != null) {
        LogManager.getLogManager().readConfiguration(in);
      }
    } catch (IOException e) {
      System.err.println("ephemeral-broker: logging configuration unreadable: " + e.getMessage());
    }
  }

  /**
   * Runs one command line with the given environment and output streams and returns its exit
   * status. {@code start} installs process-wide signal handlers, so it belongs in a JVM of its own;
   * {@code ctl} has no such side effect.
   */
  static int run(String[] args, Map<String, String> env, PrintWriter out, PrintWriter err) {
    try {
      if (args.length > 0 && args[0].equals("ctl")) {
        String[] ctlArgs = Arrays.copyOfRange(args, 1, args.length);
        return ctl(ctlArgs, env, out, err).execute(ctlArgs);
      }
      return broker(env, out, err).execute(args);
    } finally {
      out.flush();
      err.flush();
    }
  }

  /** The {@code ephemeral-broker} command line. */
  static CommandLine broker(Map<String, String> env, PrintWriter out, PrintWriter err) {
    CommandSpec root = CommandSpec.create().name("ephemeral-broker");
    helpOptions(root);
    root.usageMessage()
        .description(
            "In-memory key/value broker with TTL and leases on a private Unix-domain socket.")
        .footer("", "Run 'ephemeral-broker start --help' for the flags.");
    CommandLine cl = new CommandLine(root);
    CommandLine start = new CommandLine(new StartCommand(env, out, err).spec());
    helpOptions(start.getCommandSpec());
    start.getCommandSpec().usageMessage().exitCodeList(StartCommand.exitStatuses());
    cl.addSubcommand(start);
    // Everything after the command's first word belongs to the command: start npm test --ci.
    cl.setStopAtPositional(true);
    cl.setExecutionExceptionHandler(
        (e, failed, parsed) -> failure(e, failed, false, "ephemeral-broker: ", out, err));
    cl.setParameterExceptionHandler(
        (e, args) -> failure(e, e.getCommandLine(), false, "ephemeral-broker: ", out, err));
    return cl.setOut(out).setErr(err);
  }

  /** The {@code brokerctl} command line for {@code args} (which it executes next). */
  static CommandLine ctl(String[] args, Map<String, String> env, PrintWriter out, PrintWriter err) {
    Ctl ctl = new Ctl(env, out);
    CommandLine cl = new CommandLine(ctl.spec(args));
    cl.setExecutionExceptionHandler(
        (e, failed, parsed) -> failure(e, failed, ctl.json(), "Error: ", out, err));
    // A usage error may come before --json was read: the arguments say whether it was given.
    cl.setParameterExceptionHandler(
        (e, given) ->
            failure(
                e,
                e.getCommandLine(),
                ctl.json() || Arrays.asList(given).contains("--json"),
                "Error: ",
                out,
                err));
    return cl.setOut(out).setErr(err);
  }

  /**
   * Reports a failed command on stderr (and with {@code --json} as one JSON document on stdout) and
   * returns its exit status.
   */
  private static int failure(
      Exception e,
      CommandLine failed,
      boolean json,
      String prefix,
      PrintWriter out,
      PrintWriter err) {
    ExitStatus status = ExitStatus.of(e);
    String unknownCommand = unknownCommand(e, failed);
    String message;
    if (unknownCommand != null) {
      message = "unknown command '" + unknownCommand + "'";
    } else if (status == ExitStatus.USAGE) {
      // picocli words some messages as "Error: ..." itself.
      message = Ctl.describe(e).replaceFirst("^Error: ", "");
    } else if (status == ExitStatus.INTERNAL) {
      message = "internal error: " + e;
    } else {
      message = Ctl.describe(e);
    }
    err.println(prefix + message);
    if (unknownCommand != null) {
      List<String> similar = Suggestions.similar(unknownCommand, failed.getSubcommands().keySet());
      if (!similar.isEmpty()) {
        err.println("Did you mean: " + String.join(" or ", similar) + "?");
      }
    } else if (e instanceof CommandLine.UnmatchedArgumentException unmatched) {
      CommandLine.UnmatchedArgumentException.printSuggestions(unmatched, err);
    }
    if (status == ExitStatus.USAGE) {
      err.println(
          "Try '" + failed.getCommandSpec().qualifiedName() + " --help' for more information.");
    }
    if (status == ExitStatus.INTERNAL) {
      e.printStackTrace(err);
    }
    if (json) {
      out.println(
          JsonText.object()
              .putRaw(
                  "error",
                  JsonText.object()
                      .put("code", ExitStatus.errorCode(e))
                      .put("message", message)
                      .end())
              .end());
    }
    err.flush();
    out.flush();
    return status.code;
  }

  /** The word taken for a command name when a command has no such subcommand, else null. */
  private static String unknownCommand(Exception e, CommandLine failed) {
    if (e instanceof CommandLine.UnmatchedArgumentException unmatched
        && !failed.getSubcommands().isEmpty()
        && !unmatched.getUnmatched().isEmpty()) {
      String word = unmatched.getUnmatched().get(0);
      return word.startsWith("-") ? null : word;
    }
    return null;
  }

  /**
   * -h/--help and -V/--version, made here rather than by picocli's standard mixin, which reads
   * annotations for every command it is added to.
   */
  static void helpOptions(CommandSpec spec) {
    spec.versionProvider(new Version());
    spec.addOption(
        OptionSpec.builder("-h", "--help")
            .usageHelp(true)
            .description("Show this help message and exit.")
            .build());
    spec.addOption(
        OptionSpec.builder("-V", "--version")
            .versionHelp(true)
            .description("Print version information and exit.")
            .build());
  }
}
