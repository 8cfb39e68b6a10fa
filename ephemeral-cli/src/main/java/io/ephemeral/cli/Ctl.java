package io.ephemeral.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ephemeral.cli.ExitStatus.Failure;
import io.ephemeral.client.BrokerClient;
import io.ephemeral.client.BrokerConnectionException;
import io.ephemeral.client.BrokerScope;
import io.ephemeral.client.ServicesReport;
import io.ephemeral.client.service.Serializer;
import io.ephemeral.client.service.ServiceClient;
import io.ephemeral.client.service.ServiceException;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ScopeType;

/*
 * Implementation notes.
 *
 * The command tree is built with picocli's programmatic API from the table in commands(): one
 * row per subcommand with its name, description, parameters, options and handler. Annotations
 * would say the same, but reading them costs a fresh JVM more than everything else brokerctl
 * does for a ping (annotation parsing, dynamic proxies); the table costs a few milliseconds.
 *
 * A handler returns an Output: the short human text and the one JSON document --json prints.
 * Failures are exceptions; Main maps them to an exit status through ExitStatus, the one place
 * that knows which failure is which status, and prints them in the chosen form.
 *
 * The global options (--pipe, --secret, --timeout, --json) are inherited by every subcommand, so
 * they may stand before or after it; both places set the same value.
 */

/** {@code brokerctl [--pipe P] [--secret S] [--timeout MS] [--json] COMMAND}: one request. */
final class Ctl {

  private final Map<String, String> env;
  private final PrintWriter out;

  private final OptionSpec pipe =
      global("--pipe", "PATH", Path.class, "Broker socket (default: $EPHEMERAL_PIPE).");
  private final OptionSpec secret =
      global(
          "--secret",
          "S",
          String.class,
          "HMAC secret to sign requests with (default: $CLIENT_SECRET, else $EPHEMERAL_SECRET).");
  private final OptionSpec timeout =
      global(
          "--timeout",
          "MS",
          Long.class,
          "Give up after MS milliseconds (default: $CLIENT_TIMEOUT, else 5000; call: 30000).");
  private final OptionSpec json =
      OptionSpec.builder("--json")
          .scopeType(ScopeType.INHERIT)
          .type(boolean.class)
          .description(
              "Print one JSON document on stdout, also for errors: {\"error\":{\"code\",\"message\"}}.")
          .build();

  private final OptionSpec scope =
      OptionSpec.builder("--scope")
          .paramLabel("NAME")
          .type(String.class)
          .arity("0..1")
          .fallbackValue("")
          .scopeType(ScopeType.INHERIT)
          .description(
              "The broker serving scope NAME (default: the current directory), instead of --pipe.")
          .build();
  private ObjectMapper mapper; // made on first use: most commands print without it

  Ctl(Map<String, String> env, PrintWriter out) {
    this.env = env;
    this.out = out;
  }

  /**
   * Opens and closes a Unix-domain socket on a thread of its own, so that the JDK's set-up of such
   * sockets runs beside the parsing of the command line rather than after it. That set-up (the
   * native library, and a SecureRandom the JDK keeps for naming temporary sockets, which loads the
   * security providers) is the largest single cost of a fresh brokerctl; a command that does not
   * connect wastes the work on an otherwise idle core, and a failure here is met again, and
   * reported, when the command connects.
   */
  static void prepareSocketsInBackground() {
    new SocketSetup().start();
  }

  /**
   * A Thread subclass rather than a lambda: the first lambda of a JVM sets up method handles, which
   * the main thread would pay for before this thread could start.
   */
  private static final class SocketSetup extends Thread {
    SocketSetup() {
      super("brokerctl-socket-setup");
      setDaemon(true);
    }

    @Override
    public void run() {
      try {
        SocketChannel.open(StandardProtocolFamily.UNIX).close();
      } catch (IOException | RuntimeException e) {
        // the command's own connect meets it again and reports it
      }
    }
  }

  /** What a command prints: the human text (with its line ends) and the JSON document. */
  record Output(String text, String json) {}

  @FunctionalInterface
  interface Handler {
    Output run(CommandSpec command) throws Exception;
  }

  /** One row of the table: a subcommand's name and how to make it. */
  record Row(String name, Function<String, CommandSpec> make) {}

  private static Row row(String name, Function<String, CommandSpec> make) {
    return new Row(name, make);
  }

  /** The whole command tree; {@code help} and every subcommand included. */
  CommandSpec spec() {
    return spec(null);
  }

  /**
   * The command tree for a command line: with only the subcommand it names when it names one (other
   * than {@code help}), else with all of them, for help, suggestions and errors.
   */
  CommandSpec spec(String[] args) {
    CommandSpec root = CommandSpec.create().name("brokerctl");
    Main.helpOptions(root);
    root.usageMessage()
        .description("Talk to a running ephemeral broker.")
        .exitCodeListHeading("%nExit status:%n")
        .exitCodeList(ExitStatus.helpMap())
        .footer(
            "",
            "Environment: EPHEMERAL_PIPE (socket when --pipe is not given),"
                + " CLIENT_SECRET or EPHEMERAL_SECRET (secret when --secret is not given),"
                + " CLIENT_TIMEOUT (ms).",
            "Run 'brokerctl help COMMAND' for a command's arguments.");
    root.addOption(pipe).addOption(scope).addOption(secret).addOption(timeout).addOption(json);
    List<Row> rows = commands(root);
    String named = args == null ? null : subcommandOf(args, rows);
    boolean known = rows.stream().anyMatch(r -> r.name().equals(named)) && !named.equals("help");
    for (Row row : rows) {
      if (!known || row.name().equals(named)) {
        root.addSubcommand(row.name(), new CommandLine(row.make().apply(row.name())));
      }
    }
    return root;
  }

  /** The first word of {@code args} that is neither a global option nor its value, or null. */
  private static String subcommandOf(String[] args, List<Row> rows) {
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--pipe") || arg.equals("--secret") || arg.equals("--timeout")) {
        i++; // its value
      } else if (arg.equals("--scope")) {
        // its value is optional: picocli takes the next word unless it names a command
        if (i + 1 < args.length && !isCommand(args[i + 1], rows)) {
          i++;
        }
      } else if (!arg.startsWith("-")) {
        return arg;
      } else if (!arg.equals("--json") && !arg.contains("=")) {
        return null; // -h, -V or an unknown option: the whole tree answers
      }
    }
    return null;
  }

  private static boolean isCommand(String word, List<Row> rows) {
    return rows.stream().anyMatch(r -> r.name().equals(word));
  }

  /** Whether --json was given (before or after the subcommand). */
  boolean json() {
    return Boolean.TRUE.equals(json.getValue());
  }

  /**
   * The subcommands, in the order the help lists them; each made only when needed (a command line
   * names one, and building all would cost a fresh JVM more than the request).
   */
  private List<Row> commands(CommandSpec root) {
    return List.of(
        row(
            "get",
            name ->
                command(
                    name,
                    "Print the value of KEY as JSON text. JSON: {\"key\",\"value\"}.",
                    this::get,
                    param("KEY", "The key."))),
        row(
            "set",
            name ->
                command(
                    name,
                    "Store VALUE under KEY, as a JSON string unless --json-value. JSON: {\"ok\",\"key\"}.",
                    this::set,
                    param("KEY", "The key."),
                    param("VALUE", "The value."),
                    option(
                        "--ttl", "MS", Long.class, "Time to live in ms (default: the broker's)."),
                    flag("--json-value", "VALUE is JSON text (validated), not a string."))),
        row(
            "del",
            name ->
                command(
                    name,
                    "Delete KEY (OK also when it did not exist). JSON: {\"ok\",\"key\",\"deleted\"}.",
                    this::del,
                    param("KEY", "The key."))),
        row(
            "list",
            name ->
                command(
                    name,
                    "Print the live keys with their expiry. JSON: {KEY: {\"expires\",\"hasValue\"}}.",
                    c -> document(client().list()))),
        row(
            "stats",
            name ->
                command(name, "Print the broker's statistics.", c -> document(client().stats()))),
        row(
            "health",
            name ->
                command(
                    name, "Print the broker's health report.", c -> document(client().health()))),
        row(
            "ping",
            name ->
                command(
                    name,
                    "Print the round trip time: pong (<ms>ms). JSON: {\"ok\",\"roundTripMs\"}.",
                    this::ping)),
        row(
            "lease",
            name ->
                command(
                    name,
                    "Lease a slot of KEY for WORKER and print its number. JSON: {\"key\",\"worker\",\"slot\"}.",
                    this::lease,
                    param("KEY", "The pool."),
                    param("WORKER", "Who holds the lease."),
                    option(
                        "--ttl", "MS", Long.class, "Lease time in ms (default: the broker's)."))),
        row(
            "release",
            name ->
                command(
                    name,
                    "Release WORKER's lease (exit 1 when it held none). JSON: {\"ok\",\"worker\"}.",
                    this::release,
                    param("WORKER", "Who holds the lease."))),
        row(
            "metrics",
            name ->
                command(
                    name,
                    "Print the metrics in Prometheus text format (with --json: the JSON format).",
                    this::metrics)),
        row(
            "services",
            name ->
                command(
                    name,
                    "Print the gateway's services (methods, connections, last heartbeat, calls);"
                        + " with --graph the observed call graph as Mermaid or DOT text.",
                    this::services,
                    flag("--graph", "Print the call graph instead of the services."),
                    option(
                        "--format",
                        "FORMAT",
                        String.class,
                        "Graph format: mermaid (default) or dot."))),
        row(
            "top",
            name ->
                command(
                    name,
                    "Live view: ops/s and p99 per action, items, leases, services, connections, memory."
                        + " q or Ctrl-C quits. With --json: one frame as JSON (as --once).",
                    this::top,
                    flag("--once", "Sample over one interval, print one frame, exit."),
                    option("--interval", "MS", Long.class, "Refresh interval (default 1000)."))),
        row(
            "call",
            name ->
                command(
                    name,
                    "Call METHOD of gateway service SERVICE with PARAMS (JSON, default {}) and print the"
                        + " result. brokerctl calls as an anonymous caller: it is not listed as a service"
                        + " and leaves no node in the call graph."
                        + " JSON: {\"result\"}.",
                    this::call,
                    param("SERVICE", "The service."),
                    param("METHOD", "The method."),
                    optionalParam("PARAMS", "The parameters as JSON (default {})."),
                    flag("--msgpack", "Talk to the gateway in MessagePack instead of JSON."))),
        row(
            "help",
            name ->
                command(
                    name,
                    "Print the help of COMMAND, or of brokerctl.",
                    c -> help(root, c),
                    optionalParam("COMMAND", "The command."))));
  }

  // ---------------------------------------------------------------------------------------
  // the commands

  private Output get(CommandSpec c) {
    String key = param(c, 0);
    String value;
    try (BrokerClient client = client()) {
      value = client.getRaw(key);
    }
    // A key stored without a value has none: "undefined" as the Node CLI prints it.
    return new Output(
        (value == null ? "undefined" : value) + "\n",
        JsonText.object().put("key", key).putRaw("value", value).end());
  }

  private Output set(CommandSpec c) {
    String key = param(c, 0);
    String value = param(c, 1);
    Long ttlMs = option(c, "--ttl");
    Duration ttl = ttlMs == null ? null : Duration.ofMillis(ttlMs);
    try (BrokerClient client = client()) {
      if (Boolean.TRUE.equals(option(c, "--json-value"))) {
        client.setRaw(key, value, ttl);
      } else {
        client.set(key, value, ttl);
      }
    }
    return new Output("OK\n", JsonText.object().put("ok", true).put("key", key).end());
  }

  private Output del(CommandSpec c) {
    String key = param(c, 0);
    boolean deleted;
    try (BrokerClient client = client()) {
      deleted = client.del(key);
    }
    return new Output(
        "OK\n", JsonText.object().put("ok", true).put("key", key).put("deleted", deleted).end());
  }

  private Output ping(CommandSpec c) {
    try (BrokerClient client = client()) {
      long start = System.nanoTime();
      client.ping();
      long nanos = System.nanoTime() - start;
      return new Output(
          "pong (" + nanos / 1_000_000 + "ms)\n",
          JsonText.object().put("ok", true).put("roundTripMs", nanos / 1e6).end());
    }
  }

  private Output lease(CommandSpec c) {
    String key = param(c, 0);
    String worker = param(c, 1);
    Long ttlMs = option(c, "--ttl");
    int slot;
    try (BrokerClient client = client()) {
      slot =
          ttlMs == null
              ? client.lease(key, worker)
              : client.lease(key, worker, Duration.ofMillis(ttlMs));
    }
    return new Output(
        slot + "\n",
        JsonText.object().put("key", key).put("worker", worker).put("slot", slot).end());
  }

  private Output release(CommandSpec c) {
    String worker = param(c, 0);
    boolean released;
    try (BrokerClient client = client()) {
      released = client.release(worker);
    }
    if (!released) {
      throw new Failure(ExitStatus.REFUSED, "not_found", "worker " + worker + " holds no lease");
    }
    return new Output("OK\n", JsonText.object().put("ok", true).put("worker", worker).end());
  }

  private Output metrics(CommandSpec c) {
    try (BrokerClient client = client()) {
      if (json()) {
        return new Output(null, client.metricsJson().strip());
      }
      String text = client.metrics();
      return new Output(text.endsWith("\n") ? text : text + "\n", null);
    }
  }

  private Output services(CommandSpec c) throws JsonProcessingException {
    boolean graph = Boolean.TRUE.equals(option(c, "--graph"));
    String format = option(c, "--format");
    format = format == null ? "mermaid" : format.toLowerCase(java.util.Locale.ROOT);
    if (!format.equals("mermaid") && !format.equals("dot")) {
      throw new IllegalArgumentException(
          "unknown graph format '" + format + "' (use mermaid or dot)");
    }
    ServicesReport report;
    try (BrokerClient client = client()) {
      report = client.services();
    }
    if (!graph) {
      return document(report.services());
    }
    String text = format.equals("dot") ? CallGraph.dot(report) : CallGraph.mermaid(report);
    return new Output(text, JsonText.object().put("format", format).put("graph", text).end());
  }

  private Output top(CommandSpec c) throws Exception {
    Long intervalOption = option(c, "--interval");
    long intervalMs = intervalOption == null ? 1000 : intervalOption;
    if (intervalMs < 10) {
      throw new IllegalArgumentException("--interval must be at least 10 ms");
    }
    try (BrokerClient client = client()) {
      Top top = new Top(client, out, Duration.ofMillis(intervalMs));
      if (json()) {
        return new Output(null, top.onceAsJson(mapper()));
      }
      if (Boolean.TRUE.equals(option(c, "--once"))) {
        return new Output(top.once(), null);
      }
      top.live(System.in);
      return new Output("", null);
    }
  }

  private Output call(CommandSpec c) throws Exception {
    String service = param(c, 0);
    String method = param(c, 1);
    String params = param(c, 2);
    JsonNode tree;
    try {
      tree = mapper().readTree(params == null ? "{}" : params);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("PARAMS is not valid JSON: " + e.getOriginalMessage());
    }
    Long ms = timeout.getValue();
    try (ServiceClient client =
        ServiceClient.builder()
            .gateway(pipePath())
            .autoReconnect(false)
            .timeout(Duration.ofMillis(ms != null ? ms : 30_000))
            .serializer(
                Boolean.TRUE.equals(option(c, "--msgpack")) ? Serializer.MSGPACK : Serializer.JSON)
            .build()) {
      client.connect();
      JsonNode result = client.call(service, method, tree, JsonNode.class);
      String text = mapper().writeValueAsString(result);
      return new Output(
          JsonText.indent(text) + "\n", JsonText.object().putRaw("result", text).end());
    }
  }

  private Output help(CommandSpec root, CommandSpec c) {
    String name = param(c, 0);
    CommandLine subject = root.commandLine();
    if (name != null) {
      subject = root.subcommands().get(name);
      if (subject == null) {
        throw new CommandLine.UnmatchedArgumentException(
            root.commandLine(), List.of(name)); // prints "Did you mean ...?"
      }
    }
    String usage = subject.getUsageMessage();
    return new Output(usage, JsonText.object().put("usage", usage).end());
  }

  // ---------------------------------------------------------------------------------------
  // helpers

  /** A reply object as {@code JSON.stringify(value, null, 2)} would print it, or compact. */
  private Output document(Object value) throws JsonProcessingException {
    // 0.0 -> 0, like JavaScript
    String compact =
        new String(
            io.ephemeral.protocol.JsJson.canonicalize(mapper().writeValueAsBytes(value)),
            java.nio.charset.StandardCharsets.UTF_8);
    return new Output(JsonText.indent(compact) + "\n", compact);
  }

  private ObjectMapper mapper() {
    if (mapper == null) {
      mapper = new ObjectMapper();
    }
    return mapper;
  }

  /** The broker's socket from --pipe, --scope or EPHEMERAL_PIPE; it must exist. */
  private Path pipePath() {
    Path path = pipe.getValue();
    String scopeName = scope.getValue();
    if (path == null && scopeName != null) {
      BrokerScope s =
          scopeName.isEmpty()
              ? BrokerScope.ofDirectory(Path.of(""), env::get)
              : BrokerScope.named(scopeName, env::get);
      if (!Files.exists(s.socket())) {
        throw new Failure(
            ExitStatus.UNAVAILABLE,
            "ENOENT",
            "no broker serves "
                + s
                + " (start one with: ephemeral-broker start --scope '"
                + s.name()
                + "' --detach)");
      }
      return s.socket();
    }
    if (path == null) {
      String fromEnv = env.get("EPHEMERAL_PIPE");
      if (fromEnv == null || fromEnv.isEmpty()) {
        throw new Failure(
            ExitStatus.UNAVAILABLE,
            "ENOPIPE",
            "no broker pipe: pass --pipe PATH or set EPHEMERAL_PIPE");
      }
      path = Path.of(fromEnv);
    }
    if (!Files.exists(path)) {
      throw new Failure(
          ExitStatus.UNAVAILABLE, "ENOENT", "broker not running (no socket at " + path + ")");
    }
    return path;
  }

  /** A client for the pipe and secret from the options or the environment. */
  private BrokerClient client() {
    Path path = pipePath();
    // Unset options fall back to CLIENT_SECRET, EPHEMERAL_SECRET and CLIENT_TIMEOUT.
    BrokerClient.Builder builder =
        BrokerClient.builder().environment(env).pipe(path).allowNoTtl(true);
    String s = secret.getValue();
    if (s != null) {
      builder.secret(s);
    }
    Long ms = timeout.getValue();
    if (ms != null) {
      builder.timeout(Duration.ofMillis(ms));
    }
    return builder.build();
  }

  /** The message after "Error: " for a failed command. */
  static String describe(Throwable e) {
    if (e instanceof ServiceException s) {
      return "call failed: " + s.code() + " (" + s.getMessage() + ")";
    }
    if (e instanceof BrokerConnectionException c
        && (c.code().equals("ENOENT") || c.code().equals("ECONNREFUSED"))) {
      return "broker not running: " + e.getMessage();
    }
    // Parser messages carry a second line with the location in the source: keep the first.
    return String.valueOf(e.getMessage()).lines().findFirst().orElse("");
  }

  // ---------------------------------------------------------------------------------------
  // the table's vocabulary

  private static OptionSpec global(String name, String label, Class<?> type, String description) {
    return OptionSpec.builder(name)
        .paramLabel(label)
        .type(type)
        .scopeType(ScopeType.INHERIT)
        .description(description)
        .build();
  }

  /** One row of the table: options are OptionSpecs, parameters builders numbered in order. */
  private CommandSpec command(String name, String description, Handler handler, Object... args) {
    Runner runner = new Runner(handler);
    CommandSpec spec = CommandSpec.wrapWithoutInspection(runner).name(name);
    runner.spec = spec;
    Main.helpOptions(spec);
    spec.usageMessage().description(description);
    int index = 0;
    for (Object arg : args) {
      if (arg instanceof OptionSpec option) {
        spec.addOption(option);
      } else {
        spec.addPositional(
            ((PositionalParamSpec.Builder) arg).index(String.valueOf(index++)).build());
      }
    }
    return spec;
  }

  /** Runs a handler and prints its output in the chosen form; the command's exit status. */
  private final class Runner implements Callable<Integer> {
    private final Handler handler;
    private CommandSpec spec;

    Runner(Handler handler) {
      this.handler = handler;
    }

    @Override
    public Integer call() throws Exception {
      Output output = handler.run(spec);
      String text = json() ? output.json() : output.text();
      if (text != null) {
        out.print(json() ? text + "\n" : text);
      }
      out.flush();
      return ExitStatus.OK.code;
    }
  }

  private static PositionalParamSpec.Builder param(String label, String description) {
    return PositionalParamSpec.builder()
        .paramLabel(label)
        .type(String.class)
        .arity("1")
        .required(true)
        .description(description);
  }

  private static PositionalParamSpec.Builder optionalParam(String label, String description) {
    return param(label, description).arity("0..1").required(false);
  }

  /** An option with a value, as both commands declare them. */
  static OptionSpec option(String name, String label, Class<?> type, String description) {
    return OptionSpec.builder(name).paramLabel(label).type(type).description(description).build();
  }

  private static OptionSpec flag(String name, String description) {
    return OptionSpec.builder(name).type(boolean.class).description(description).build();
  }

  /** The value of the command's {@code index}th positional parameter, or null. */
  private static String param(CommandSpec command, int index) {
    List<PositionalParamSpec> params = command.positionalParameters();
    return index < params.size() ? params.get(index).getValue() : null;
  }

  /** The value of one of the command's own options, or null when not given. */
  private static <T> T option(CommandSpec command, String name) {
    return command.findOption(name).getValue();
  }
}
