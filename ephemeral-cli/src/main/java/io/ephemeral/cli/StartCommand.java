package io.ephemeral.cli;

import io.ephemeral.broker.Broker;
import io.ephemeral.broker.BrokerOption;
import io.ephemeral.client.BrokerScope;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Model.ArgGroupSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.IGetter;
import picocli.CommandLine.Model.ISetter;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ParameterException;

/*
 * Implementation notes.
 *
 * The broker's options are not declared here: each row of the option table (BrokerOption) with a
 * flag becomes an option of this command, with the row's description, variable and default in
 * its help. The command is built with picocli's programmatic API rather than from annotations:
 * reading the annotations of thirty-odd options (dynamic proxies, one parse per annotation) was
 * the largest single cost of `ephemeral-broker start -- true` in the start-up profile.
 *
 * Only the flags the user actually gave are handed to the builder; everything else falls back to
 * the BROKER_* variables and then to the defaults. (The original CLI passed every option, so the
 * environment never applied, and its numeric flags all parsed to NaN.) Hence the array of given
 * values, indexed by the row's ordinal. Each value is checked by its row, so a bad one is a usage
 * error (exit 2) naming the flag, with the same rule the builder and the environment apply;
 * anything the builder still rejects (options that go together) is reported the same way. The
 * flags declared here are the CLI's own: the socket's place (or scope), the secret's source, the
 * store's URI, plugins and --detach.
 */

/** {@code ephemeral-broker start [flags] [-- CMD ARGS...]}. */
final class StartCommand implements Callable<Integer> {

  private static final String[] DESCRIPTION = {
    "Start a broker on a private Unix-domain socket.",
    "With a command: run it with EPHEMERAL_PIPE (and EPHEMERAL_SECRET when a secret is"
        + " configured) in its environment, stop the broker when it exits and exit with its"
        + " status (128+n when killed by signal n). SIGTERM/SIGHUP are forwarded to it, and"
        + " SIGINT unless a terminal sent it to the command too.",
    "Without a command: print the socket path and serve until SIGINT/SIGTERM/SIGHUP.",
    "Options not given fall back to the BROKER_* environment variables."
  };

  private static final BrokerOption[] ROWS = BrokerOption.values();

  private final Map<String, String> env;
  private final PrintWriter out;
  private final PrintWriter err;
  private final CommandSpec spec;

  /**
   * The value picocli set for each of the table's flags, at the row's ordinal (null while not
   * given): its text, true or false, or the list of a repeatable flag's values.
   */
  private final Object[] given = new Object[ROWS.length];

  private final OptionSpec pipeId =
      Ctl.option(
          "--pipe-id",
          "ID",
          String.class,
          "Socket name becomes broker-ID.sock instead of a random one.");
  private final OptionSpec socketPath =
      Ctl.option("--socket", "PATH", Path.class, "Bind exactly this path.");
  private final OptionSpec scope =
      OptionSpec.builder("--scope")
          .paramLabel("NAME")
          .type(String.class)
          .arity("0..1")
          .fallbackValue("")
          .description(
              "Serve the scope NAME (default: the current directory): clients find the broker by"
                  + " the name (brokerctl --scope NAME, EPHEMERAL_SCOPE=NAME), not by a socket"
                  + " path.")
          .build();
  private final OptionSpec detach =
      OptionSpec.builder("--detach")
          .type(boolean.class)
          .description(
              "With --scope: run the broker in the background, print its socket and pid, and"
                  + " return.")
          .build();
  private final OptionSpec secret =
      Ctl.option(
          "--secret",
          "S",
          String.class,
          "HMAC secret; every request must be signed with it (visible in ps: prefer"
              + " --secret-env or --secret-file).");
  private final OptionSpec secretEnv =
      Ctl.option(
          "--secret-env",
          "VAR",
          String.class,
          "Read the HMAC secret from environment variable VAR.");
  private final OptionSpec secretFile =
      Ctl.option(
          "--secret-file",
          "FILE",
          Path.class,
          "Read the HMAC secret from FILE (trailing newlines are trimmed).");
  private final OptionSpec store =
      Ctl.option(
          "--store",
          "URI",
          String.class,
          "Keep values and leases in a store shared by brokers on several hosts:"
              + " redis://[user:password@]host:port[/db]?prefix=NAME, rediss://... (TLS),"
              + " redis-cluster://host:port,...?prefix=NAME,"
              + " redis-sentinel://host:port,...?master=M&prefix=NAME,"
              + " redis-socket:///path/to/redis.sock?prefix=NAME (Redis's Unix socket);"
              + " or memory (env BROKER_STORE; default memory). A password may come from"
              + " BROKER_REDIS_PASSWORD.");
  private final OptionSpec plugins =
      OptionSpec.builder("--plugin")
          .paramLabel("JAR")
          .type(List.class)
          .auxiliaryTypes(Path.class)
          .initialValue(new ArrayList<Path>())
          .description(
              "Load broker plugins (io.ephemeral.broker.BrokerPlugin services) from JAR;"
                  + " repeatable.")
          .build();
  private final PositionalParamSpec command =
      PositionalParamSpec.builder()
          .paramLabel("CMD")
          .arity("0..*")
          .type(List.class)
          .auxiliaryTypes(String.class)
          .description("Command to run with the broker, usually after '--'.")
          .build();

  StartCommand(Map<String, String> env, PrintWriter out, PrintWriter err) {
    this.env = env;
    this.out = out;
    this.err = err;
    spec = CommandSpec.wrapWithoutInspection(this).name("start");
    spec.usageMessage()
        .description(DESCRIPTION)
        .sortOptions(false)
        .autoWidth(true)
        .exitCodeListHeading("%nExit status:%n");
    spec.addPositional(command);
    spec.addArgGroup(exclusive(pipeId, socketPath, scope));
    spec.addOption(detach);
    spec.addArgGroup(exclusive(secret, secretEnv, secretFile));
    spec.addOption(store);
    spec.addOption(plugins);
    for (BrokerOption row : ROWS) {
      if (row.flag() != null) {
        spec.addOption(flag(row));
      }
    }
  }

  /** The command's model, for picocli (options, help and the exit statuses' list). */
  CommandSpec spec() {
    return spec;
  }

  /** The flag of a table row: its help from the row, its value kept as given. */
  private OptionSpec flag(BrokerOption row) {
    boolean bool = row.kind() == BrokerOption.Kind.BOOLEAN;
    boolean names = row.kind() == BrokerOption.Kind.NAMES;
    int index = row.ordinal();
    OptionSpec.Builder flag =
        OptionSpec.builder(row.flag())
            .paramLabel(
                bool
                    ? ""
                    : row.kind() == BrokerOption.Kind.CHOICE
                        ? String.join("|", row.choiceNames())
                        : row.kind().label())
            .arity(bool ? "0" : "1")
            .negatable(bool)
            .description(
                row.description()
                    + (names ? " Repeatable." : "")
                    + " (env "
                    + row.environmentVariable()
                    + "; default "
                    + row.defaultText()
                    + ")")
            .getter(
                new IGetter() {
                  @Override
                  @SuppressWarnings("unchecked")
                  public <T> T get() {
                    return (T) given[index];
                  }
                })
            .setter(
                new ISetter() {
                  @Override
                  public <T> T set(T value) {
                    given[index] = value; // null: picocli resetting the flag before a parse
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

  private static ArgGroupSpec exclusive(OptionSpec... options) {
    ArgGroupSpec.Builder group = ArgGroupSpec.builder().exclusive(true).multiplicity("0..1");
    for (OptionSpec option : options) {
      group.addArg(option);
    }
    return group.build();
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
        "the broker could not start (a live broker on the socket or scope, an unreachable"
            + " --store, ...)");
    list.put(
        Integer.toString(ExitStatus.INTERNAL.code),
        "internal error, or the broker stopped after a failure of its own (a bug: please report it)");
    return list;
  }

  @Override
  public Integer call() throws InterruptedException {
    BrokerScope brokerScope = scope();
    if (Boolean.TRUE.equals(detach.getValue())) {
      if (brokerScope == null) {
        throw new ParameterException(spec.commandLine(), "--detach needs --scope");
      }
      return Detach.start(brokerScope, out, err);
    }
    Broker broker = buildBroker(brokerScope);
    Path path;
    try {
      path = brokerScope == null ? broker.start() : brokerScope.serveHere(broker::start);
    } catch (IOException | RuntimeException e) {
      broker.stop();
      err.println("Failed to start broker: " + e.getMessage());
      err.flush();
      return ExitStatus.UNAVAILABLE.code;
    }
    try {
      List<String> argv = command.getValue();
      boolean runMode = argv != null && !argv.isEmpty();
      Supervisor supervisor = new Supervisor(broker, runMode, err);
      Signals.install(supervisor::onSignal);
      return runMode ? supervisor.run(argv) : supervisor.serve(path, out);
    } finally {
      if (brokerScope != null) {
        brokerScope.leave();
      }
    }
  }

  /** The scope of {@code --scope}, or null without it. */
  private BrokerScope scope() {
    String name = scope.getValue();
    if (name == null) {
      return null;
    }
    try {
      return name.isEmpty()
          ? BrokerScope.ofDirectory(Path.of(""), env::get)
          : BrokerScope.named(name, env::get);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
  }

  /** A broker with exactly the options given, or a usage error for what the builder rejects. */
  @SuppressWarnings("unchecked") // a repeatable flag's value is the List<String> picocli made
  private Broker buildBroker(BrokerScope brokerScope) {
    Broker.Builder builder = Broker.builder().environment(env);
    try {
      for (BrokerOption row : ROWS) {
        Object value = given[row.ordinal()];
        if (value != null) {
          String text =
              value instanceof List
                  ? String.join(",", (List<String>) value)
                  : String.valueOf(value);
          option(builder, row, row.flag(), text);
        }
      }
      given(store, (String uri) -> builder.store(uri));
      String id = pipeId.getValue();
      if (id != null) {
        option(builder, BrokerOption.PIPE_ID, "--pipe-id", id);
      }
      given(socketPath, (Path p) -> builder.socketPath(p));
      if (brokerScope != null) {
        builder.socketPath(brokerScope.socket());
      }
      SecretOptions secrets =
          new SecretOptions(secret.getValue(), secretEnv.getValue(), secretFile.getValue());
      if (secrets.given()) {
        builder.secret(secrets.resolve(env));
        if (secrets.secret() != null) {
          err.println(
              "ephemeral-broker: warning: --secret is visible to other users in the process list;"
                  + " prefer --secret-env VAR or --secret-file FILE");
          err.flush();
        }
      }
      List<Path> jars = plugins.getValue();
      Plugins.load(jars).forEach(builder::plugin);
      return builder.build();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
  }

  /** Sets a table option from its flag's text; a value its row refuses is a usage error. */
  private void option(Broker.Builder builder, BrokerOption row, String flag, String text) {
    try {
      row.parse(text);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(
          spec.commandLine(), "Invalid value for option '" + flag + "': " + e.getMessage(), e);
    }
    builder.option(row, text);
  }

  private static <T> void given(OptionSpec option, Consumer<T> apply) {
    T value = option.getValue();
    if (value != null) {
      apply.accept(value);
    }
  }
}
