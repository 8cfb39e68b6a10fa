package io.ephemeral.cli;

import io.ephemeral.broker.Broker;
import io.ephemeral.broker.BrokerOption;
import io.ephemeral.client.BrokerScope;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/*
 * Implementation notes.
 *
 * The broker's options are not declared here: each row of the option table (BrokerOption) with a
 * flag becomes an option of this command (commandLine() adds them), with the row's description,
 * variable and default in its help. Only the flags the user actually gave are handed to the
 * builder; everything else falls back to the BROKER_* variables and then to the defaults. (The
 * original CLI passed every option, so the environment never applied, and its numeric flags all
 * parsed to NaN.) Each value is checked by its row, so a bad one is a usage error (exit 2) naming
 * the flag, with the same rule the builder and the environment apply; anything the builder still
 * rejects (options that go together) is reported the same way. The flags declared here are the
 * CLI's own: the socket's place, the secret's source, the store's URI and plugins.
 */

/** {@code ephemeral-broker start [flags] [-- CMD ARGS...]}. */
@Command(
    name = "start",
    sortOptions = false, // -h and -V come from Main.helpOptions
    usageHelpAutoWidth = true,
    description = {
      "Start a broker on a private Unix-domain socket.",
      "With a command: run it with EPHEMERAL_PIPE (and EPHEMERAL_SECRET when a secret is"
          + " configured) in its environment, stop the broker when it exits and exit with its"
          + " status (128+n when killed by signal n). SIGTERM/SIGHUP are forwarded to it, and"
          + " SIGINT unless a terminal sent it to the command too.",
      "Without a command: print the socket path and serve until SIGINT/SIGTERM/SIGHUP.",
      "Options not given fall back to the BROKER_* environment variables."
    },
    exitCodeListHeading = "%nExit status:%n")
final class StartCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  private final Map<String, String> env;
  private final PrintWriter out;
  private final PrintWriter err;

  /**
   * The value picocli set for each of the table's flags (null while not given): its text, true or
   * false, or the list of a repeatable flag's values.
   */
  private final Map<BrokerOption, Object> given = new EnumMap<>(BrokerOption.class);

  @ArgGroup(exclusive = true)
  SocketOptions socket;

  @ArgGroup(exclusive = true)
  SecretOptions secret;

  @Parameters(
      paramLabel = "CMD",
      arity = "0..*",
      description = "Command to run with the broker, usually after '--'.")
  List<String> command;

  StartCommand(Map<String, String> env, PrintWriter out, PrintWriter err) {
    this.env = env;
    this.out = out;
    this.err = err;
  }

  /** The socket's location: a generated path, one from an id, or exactly a given path. */
  static final class SocketOptions {
    @Option(
        names = "--pipe-id",
        paramLabel = "ID",
        description = "Socket name becomes broker-ID.sock instead of a random one.")
    String pipeId;

    @Option(names = "--socket", paramLabel = "PATH", description = "Bind exactly this path.")
    Path path;

    @Option(
        names = "--scope",
        paramLabel = "NAME",
        arity = "0..1",
        fallbackValue = "",
        description =
            "Serve the scope NAME (default: the current directory): clients find the broker by"
                + " the name (brokerctl --scope NAME, EPHEMERAL_SCOPE=NAME), not by a socket path.")
    String scope;
  }

  @Option(
      names = "--detach",
      description =
          "With --scope: run the broker in the background, print its socket and pid, and return.")
  boolean detach;

  @Option(
      names = "--store",
      paramLabel = "URI",
      description =
          "Keep values and leases in a store shared by brokers on several hosts:"
              + " redis://[user:password@]host:port[/db]?prefix=NAME, rediss://... (TLS),"
              + " redis-cluster://host:port,...?prefix=NAME, redis-sentinel://host:port,...?master=M&prefix=NAME;"
              + " or memory (env BROKER_STORE; default memory). A password may come from BROKER_REDIS_PASSWORD.")
  String store;

  @Option(
      names = "--plugin",
      paramLabel = "JAR",
      description =
          "Load broker plugins (io.ephemeral.broker.BrokerPlugin services) from JAR; repeatable.")
  java.util.List<Path> plugins = new java.util.ArrayList<>();

  /**
   * The {@code start} command line: this command's own flags, then one flag for each row of the
   * option table that has one.
   */
  static CommandLine commandLine(Map<String, String> env, PrintWriter out, PrintWriter err) {
    StartCommand start = new StartCommand(env, out, err);
    CommandLine cl = new CommandLine(start);
    for (BrokerOption option : BrokerOption.values()) {
      if (option.flag() != null) {
        cl.getCommandSpec().addOption(start.flag(option));
      }
    }
    return cl;
  }

  /** The flag of a table row: its help from the row, its value kept as given. */
  private OptionSpec flag(BrokerOption option) {
    boolean bool = option.kind() == BrokerOption.Kind.BOOLEAN;
    boolean names = option.kind() == BrokerOption.Kind.NAMES;
    OptionSpec.Builder flag =
        OptionSpec.builder(option.flag())
            .paramLabel(
                bool
                    ? ""
                    : option.kind() == BrokerOption.Kind.CHOICE
                        ? String.join("|", option.choiceNames())
                        : option.kind().label())
            .arity(bool ? "0" : "1")
            .negatable(bool)
            .description(
                option.description()
                    + (names ? " Repeatable." : "")
                    + " (env "
                    + option.environmentVariable()
                    + "; default "
                    + option.defaultText()
                    + ")")
            .getter(
                new CommandLine.Model.IGetter() {
                  @Override
                  @SuppressWarnings("unchecked")
                  public <T> T get() {
                    return (T) given.get(option);
                  }
                })
            .setter(
                new CommandLine.Model.ISetter() {
                  @Override
                  public <T> T set(T value) {
                    given.put(option, value);
                    return null;
                  }
                });
    if (names) {
      flag.type(List.class).auxiliaryTypes(String.class);
    } else {
      flag.type(bool ? Boolean.class : String.class);
    }
    return flag.build();
  }

  /** The exit statuses {@code start --help} lists. */
  static Map<String, String> exitStatuses() {
    Map<String, String> list = new LinkedHashMap<>();
    list.put("n", "the command's exit status, once it ran");
    list.put("128+n", "the command was killed by signal n");
    list.put(
        Integer.toString(Supervisor.CANNOT_RUN), "the command could not be started (not found)");
    list.put(Integer.toString(ExitStatus.OK.code), "no command, and the broker stopped normally");
    list.put(Integer.toString(ExitStatus.USAGE.code), ExitStatus.USAGE.meaning);
    list.put(
        Integer.toString(ExitStatus.UNAVAILABLE.code),
        "the broker could not start (a live broker on the socket, an unreachable --store, ...)");
    list.put(
        Integer.toString(ExitStatus.INTERNAL.code),
        "internal error, or the broker stopped after a failure of its own (a bug: please report it)");
    return list;
  }

  @Override
  public Integer call() throws InterruptedException {
    BrokerScope scope = scope();
    if (detach) {
      if (scope == null) {
        throw new ParameterException(spec.commandLine(), "--detach needs --scope");
      }
      return Detach.start(scope, out, err);
    }
    Broker broker = buildBroker(scope);
    Path path;
    try {
      path = scope == null ? broker.start() : scope.serveHere(broker::start);
    } catch (IOException | RuntimeException e) {
      broker.stop();
      err.println("Failed to start broker: " + e.getMessage());
      err.flush();
      return ExitStatus.UNAVAILABLE.code;
    }
    try {
      boolean runMode = command != null && !command.isEmpty();
      Supervisor supervisor = new Supervisor(broker, runMode, err);
      Signals.install(supervisor::onSignal);
      return runMode ? supervisor.run(command) : supervisor.serve(path, out);
    } finally {
      if (scope != null) {
        scope.leave();
      }
    }
  }

  /** The scope of {@code --scope}, or null without it. */
  private BrokerScope scope() {
    if (socket == null || socket.scope == null) {
      return null;
    }
    try {
      return socket.scope.isEmpty()
          ? BrokerScope.ofDirectory(Path.of(""), env::get)
          : BrokerScope.named(socket.scope, env::get);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
  }

  /** A broker with exactly the options given, or a usage error for what the builder rejects. */
  @SuppressWarnings("unchecked") // a repeatable flag's value is the List<String> picocli made
  private Broker buildBroker(BrokerScope scope) {
    Broker.Builder builder = Broker.builder().environment(env);
    try {
      given.forEach(
          (option, value) -> {
            if (value != null) { // picocli resets every option to null before parsing
              String text =
                  value instanceof List
                      ? String.join(",", (List<String>) value)
                      : String.valueOf(value);
              option(builder, option, option.flag(), text);
            }
          });
      given(store, builder::store);
      if (socket != null) {
        if (socket.pipeId != null) {
          option(builder, BrokerOption.PIPE_ID, "--pipe-id", socket.pipeId);
        }
        given(socket.path, builder::socketPath);
      }
      if (scope != null) {
        builder.socketPath(scope.socket());
      }
      if (secret != null) {
        builder.secret(secret.resolve(env));
        if (secret.secret != null) {
          err.println(
              "ephemeral-broker: warning: --secret is visible to other users in the process list;"
                  + " prefer --secret-env VAR or --secret-file FILE");
          err.flush();
        }
      }
      Plugins.load(plugins).forEach(builder::plugin);
      return builder.build();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
  }

  /** Sets a table option from its flag's text; a value its row refuses is a usage error. */
  private void option(Broker.Builder builder, BrokerOption option, String flag, String text) {
    try {
      option.parse(text);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(
          spec.commandLine(), "Invalid value for option '" + flag + "': " + e.getMessage(), e);
    }
    builder.option(option, text);
  }

  private static <T> void given(T option, Consumer<T> apply) {
    if (option != null) {
      apply.accept(option);
    }
  }
}
