package io.ephemeral.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Map;
import java.util.logging.LogManager;
import picocli.CommandLine;
import picocli.CommandLine.IParameterExceptionHandler;

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

  /** Exit status of {@code ephemeral-broker} for an invalid command line. */
  static final int USAGE = 2;

  private Main() {}

  /** Runs the command line and exits the JVM with its status. */
  public static void main(String[] args) {
    configureLogging();
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
        return ctl(env, out, err).execute(Arrays.copyOfRange(args, 1, args.length));
      }
      return broker(env, out, err).execute(args);
    } finally {
      out.flush();
      err.flush();
    }
  }

  /** The {@code ephemeral-broker} command line. */
  static CommandLine broker(Map<String, String> env, PrintWriter out, PrintWriter err) {
    CommandLine cl = new CommandLine(new BrokerCommand());
    cl.addSubcommand(StartCommand.commandLine(env, out, err));
    // Everything after the command's first word belongs to the command: start npm test --ci.
    cl.setStopAtPositional(true);
    cl.setExecutionExceptionHandler(
        (e, failed, parsed) -> {
          err.println("ephemeral-broker: " + e);
          return 1;
        });
    return configure(cl, out, err, "ephemeral-broker: ", USAGE);
  }

  /** The {@code brokerctl} command line; every error, usage errors included, exits 1. */
  static CommandLine ctl(Map<String, String> env, PrintWriter out, PrintWriter err) {
    CommandLine cl = new CommandLine(new Ctl(env, out));
    cl.setExecutionExceptionHandler(
        (e, failed, parsed) -> {
          err.println("Error: " + Ctl.describe(e));
          return Ctl.FAILURE;
        });
    return configure(cl, out, err, "Error: ", Ctl.FAILURE);
  }

  private static CommandLine configure(
      CommandLine cl, PrintWriter out, PrintWriter err, String prefix, int usageStatus) {
    IParameterExceptionHandler usage =
        (e, args) -> {
          CommandLine failed = e.getCommandLine();
          // picocli words some messages as "Error: ..." itself.
          err.println(prefix + e.getMessage().replaceFirst("^Error: ", ""));
          CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
          err.println(
              "Try '" + failed.getCommandSpec().qualifiedName() + " --help' for more information.");
          return usageStatus;
        };
    return cl.setOut(out).setErr(err).setParameterExceptionHandler(usage);
  }
}
