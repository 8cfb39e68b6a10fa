package io.ephemeral.cli;

import io.ephemeral.broker.Broker;
import io.ephemeral.client.BrokerScope;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/*
 * Implementation notes.
 *
 * Only options the user actually gave are handed to Broker.Builder; everything else is left
 * to the builder, which falls back to the BROKER_* environment variables and then to the
 * defaults. (The original CLI passed every option, so the environment never applied, and its
 * numeric flags all parsed to NaN.) Hence the nullable boxed fields.
 *
 * Numbers are validated here so that a bad value is a usage error (exit 2) naming the flag;
 * anything the builder still rejects (IllegalArgumentException) is reported the same way.
 */

/** {@code ephemeral-broker start [flags] [-- CMD ARGS...]}. */
@Command(
    name = "start",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "Start a broker on a private Unix-domain socket.",
      "With a command: run it with EPHEMERAL_PIPE (and EPHEMERAL_SECRET when a secret is"
          + " configured) in its environment, stop the broker when it exits and exit with its"
          + " status (128+n when killed by signal n). SIGINT/SIGTERM are forwarded to it.",
      "Without a command: print the socket path and serve until SIGINT/SIGTERM.",
      "Options not given fall back to the BROKER_* environment variables."
    },
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {
      "0:broker stopped normally (no command)",
      "1:the broker could not start, or stopped after a failure of its own",
      "2:invalid command line",
      "127:the command could not be started",
      "n:otherwise the command's exit status"
    })
final class StartCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  private final Map<String, String> env;
  private final PrintWriter out;
  private final PrintWriter err;

  private Long ttlMs;
  private Integer maxItems;
  private Integer maxRequestSize;
  private Integer maxValueSize;
  private Long idleTimeoutMs;
  private Long heartbeatIntervalMs;
  private Integer maxConnections;
  private Integer maxKeyLength;
  private Integer maxNestingDepth;
  private Integer maxNumberLength;
  private Integer maxStringLength;
  private Integer maxFrameSize;
  private Integer maxFrameDepth;
  private Integer maxPendingCalls;
  private Integer maxLeaseWaiters;
  private Integer maxOutputBuffer;
  private Long stallTimeoutMs;
  private Long connectionIdleTimeoutMs;
  private Long replayWindowMs;
  private Integer replayCacheSize;
  private Integer busyPollMicros;

  @Option(names = "--debug", description = "Debug logging (env BROKER_DEBUG).")
  Boolean debug;

  @Option(
      names = "--require-ttl",
      negatable = true,
      description = "Whether set must carry a ttl (env BROKER_REQUIRE_TTL; default: required).")
  Boolean requireTtl;

  @ArgGroup(exclusive = true)
  SocketOptions socket;

  @ArgGroup(exclusive = true)
  SecretOptions secret;

  @Option(
      names = "--log-level",
      paramLabel = "LEVEL",
      description = "debug, info, warn or error (env BROKER_LOG_LEVEL; default info).")
  String logLevel;

  @Option(
      names = "--structured-logging",
      description = "Log one JSON object per line (env BROKER_STRUCTURED_LOGGING).")
  Boolean structuredLogging;

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
      names = "--ttl",
      paramLabel = "MS",
      description =
          "Default TTL in ms for set/lease without ttl (env BROKER_DEFAULT_TTL;"
              + " default 1800000).")
  void ttl(long ms) {
    ttlMs = require(ms > 0, "--ttl", ms, "must be a positive number of milliseconds");
  }

  @Option(
      names = "--max-items",
      paramLabel = "N",
      description = "Maximum number of keys, 0 = unlimited (env BROKER_MAX_ITEMS; default 10000).")
  void maxItems(int n) {
    maxItems = require(n >= 0, "--max-items", n, "must be 0 (unlimited) or more");
  }

  @Option(
      names = "--max-request-size",
      paramLabel = "BYTES",
      description = "Longest request line (env BROKER_MAX_REQUEST_SIZE; default 1048576).")
  void maxRequestSize(int bytes) {
    maxRequestSize = require(bytes > 0, "--max-request-size", bytes, "must be positive");
  }

  @Option(
      names = "--max-value-size",
      paramLabel = "BYTES",
      description = "Largest value (env BROKER_MAX_VALUE_SIZE; default 262144).")
  void maxValueSize(int bytes) {
    maxValueSize = require(bytes > 0, "--max-value-size", bytes, "must be positive");
  }

  @Option(
      names = "--idle-timeout",
      paramLabel = "MS",
      description = "Stop after MS without requests (env BROKER_IDLE_TIMEOUT; default off).")
  void idleTimeout(long ms) {
    idleTimeoutMs =
        require(ms > 0, "--idle-timeout", ms, "must be a positive number of milliseconds");
  }

  @Option(
      names = "--heartbeat-interval",
      paramLabel = "MS",
      description = "Log a heartbeat line every MS (env BROKER_HEARTBEAT_INTERVAL; default off).")
  void heartbeatInterval(long ms) {
    heartbeatIntervalMs =
        require(ms > 0, "--heartbeat-interval", ms, "must be a positive number of milliseconds");
  }

  @Option(
      names = "--max-connections",
      paramLabel = "N",
      description = "Most open connections (env BROKER_MAX_CONNECTIONS; default 4096).")
  void maxConnections(int n) {
    maxConnections = require(n > 0, "--max-connections", n, "must be positive");
  }

  @Option(
      names = "--max-key-length",
      paramLabel = "BYTES",
      description = "Longest key (env BROKER_MAX_KEY_LENGTH; default 4096).")
  void maxKeyLength(int bytes) {
    maxKeyLength = require(bytes > 0, "--max-key-length", bytes, "must be positive");
  }

  @Option(
      names = "--max-nesting-depth",
      paramLabel = "N",
      description =
          "Deepest JSON nesting in a request, 2-1000 (env BROKER_MAX_NESTING_DEPTH; default 64).")
  void maxNestingDepth(int n) {
    maxNestingDepth =
        require(n >= 2 && n <= 1000, "--max-nesting-depth", n, "must be from 2 to 1000");
  }

  @Option(
      names = "--max-number-length",
      paramLabel = "N",
      description =
          "Longest number in a request, 1-100000 characters (env BROKER_MAX_NUMBER_LENGTH; default 1000).")
  void maxNumberLength(int n) {
    maxNumberLength =
        require(n >= 1 && n <= 100_000, "--max-number-length", n, "must be from 1 to 100000");
  }

  @Option(
      names = "--max-string-length",
      paramLabel = "N",
      description =
          "Longest string in a request, in characters (env BROKER_MAX_STRING_LENGTH; default 20000000).")
  void maxStringLength(int n) {
    maxStringLength = require(n > 0, "--max-string-length", n, "must be positive");
  }

  @Option(
      names = "--max-frame-size",
      paramLabel = "BYTES",
      description = "Largest gateway frame (env BROKER_MAX_FRAME_SIZE; default 16777216).")
  void maxFrameSize(int bytes) {
    maxFrameSize = require(bytes > 0, "--max-frame-size", bytes, "must be positive");
  }

  @Option(
      names = "--max-frame-depth",
      paramLabel = "N",
      description =
          "Deepest nesting in a gateway frame, 2-1000 (env BROKER_MAX_FRAME_DEPTH; default 256).")
  void maxFrameDepth(int n) {
    maxFrameDepth = require(n >= 2 && n <= 1000, "--max-frame-depth", n, "must be from 2 to 1000");
  }

  @Option(
      names = "--max-pending-calls",
      paramLabel = "N",
      description =
          "Most gateway calls in flight per connection, 0 = no count limit (env"
              + " BROKER_MAX_PENDING_CALLS; default 0: the memory budget bounds them).")
  void maxPendingCalls(int n) {
    maxPendingCalls = require(n >= 0, "--max-pending-calls", n, "must be 0 (no limit) or more");
  }

  @Option(
      names = "--max-lease-waiters",
      paramLabel = "N",
      description =
          "Most lease requests waiting for a slot, 0 = no waiting (env BROKER_MAX_LEASE_WAITERS;"
              + " default 1024).")
  void maxLeaseWaiters(int n) {
    maxLeaseWaiters = require(n >= 0, "--max-lease-waiters", n, "must be 0 or more");
  }

  @Option(
      names = "--max-output-buffer",
      paramLabel = "BYTES",
      description =
          "Most unsent output per connection before it is closed (env BROKER_MAX_OUTPUT_BUFFER;"
              + " default 67108864).")
  void maxOutputBuffer(int bytes) {
    maxOutputBuffer = require(bytes > 0, "--max-output-buffer", bytes, "must be positive");
  }

  @Option(
      names = "--stall-timeout",
      paramLabel = "MS",
      description =
          "Close a connection whose started request or unsent output does not move for MS"
              + " (env BROKER_STALL_TIMEOUT; default 30000).")
  void stallTimeout(long ms) {
    stallTimeoutMs =
        require(ms > 0, "--stall-timeout", ms, "must be a positive number of milliseconds");
  }

  @Option(
      names = "--connection-idle-timeout",
      paramLabel = "MS",
      description =
          "Close a connection that sends nothing for MS (env BROKER_CONNECTION_IDLE_TIMEOUT;"
              + " default off).")
  void connectionIdleTimeout(long ms) {
    connectionIdleTimeoutMs =
        require(
            ms > 0, "--connection-idle-timeout", ms, "must be a positive number of milliseconds");
  }

  @Option(
      names = "--replay-window",
      paramLabel = "MS",
      description =
          "Replay protection: signed requests must carry ts (within MS of the broker's clock)"
              + " and an unused nonce; needs a secret (env BROKER_REPLAY_WINDOW; default off).")
  void replayWindow(long ms) {
    replayWindowMs =
        require(ms > 0, "--replay-window", ms, "must be a positive number of milliseconds");
  }

  @Option(
      names = "--replay-cache-size",
      paramLabel = "N",
      description =
          "Most nonces remembered for replay protection (env BROKER_REPLAY_CACHE_SIZE; default 100000).")
  void replayCacheSize(int n) {
    replayCacheSize = require(n > 0, "--replay-cache-size", n, "must be positive");
  }

  @Option(
      names = "--busy-poll-micros",
      paramLabel = "US",
      description =
          "After a busy loop turn, poll the sockets up to US microseconds before sleeping;"
              + " 0 = off (env BROKER_BUSY_POLL_MICROS; default 50).")
  void busyPollMicros(int micros) {
    busyPollMicros =
        require(
            micros >= 0 && micros <= 10_000,
            "--busy-poll-micros",
            micros,
            "must be between 0 and 10000");
  }

  @Option(
      names = "--max-memory",
      paramLabel = "SIZE",
      description =
          "Memory budget for what clients make the broker hold (values, leases, gateway calls,"
              + " unfinished and unsent data), in bytes or with k/m/g (512m, 2g); past it writes are"
              + " refused with memory_limit (env BROKER_MAX_MEMORY; default half the JVM's heap).")
  String maxMemory;

  @Option(
      names = "--allow-unsigned-service",
      paramLabel = "NAME",
      description =
          "With a secret, let gateway services with this name (* matches anything) register"
              + " without proving the secret, e.g. Node ipc-bro services; repeatable"
              + " (env BROKER_ALLOW_UNSIGNED_SERVICES, comma-separated).")
  java.util.List<String> unsignedServices = new java.util.ArrayList<>();

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

  private <T> T require(boolean valid, String flag, T value, String rule) {
    if (!valid) {
      throw new ParameterException(
          spec.commandLine(), "Invalid value for option '" + flag + "': " + value + " " + rule);
    }
    return value;
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
      return 1;
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
  private Broker buildBroker(BrokerScope scope) {
    Broker.Builder builder = Broker.builder().environment(env);
    try {
      given(ttlMs, ms -> builder.defaultTtl(Duration.ofMillis(ms)));
      given(maxItems, builder::maxItems);
      given(maxRequestSize, builder::maxRequestSize);
      given(maxValueSize, builder::maxValueSize);
      given(idleTimeoutMs, ms -> builder.idleTimeout(Duration.ofMillis(ms)));
      given(heartbeatIntervalMs, ms -> builder.heartbeatInterval(Duration.ofMillis(ms)));
      given(maxConnections, builder::maxConnections);
      given(maxKeyLength, builder::maxKeyLength);
      given(maxNestingDepth, builder::maxNestingDepth);
      given(maxNumberLength, builder::maxNumberLength);
      given(maxStringLength, builder::maxStringLength);
      given(maxFrameSize, builder::maxFrameSize);
      given(maxFrameDepth, builder::maxFrameDepth);
      given(maxPendingCalls, builder::maxPendingCallsPerConnection);
      given(maxLeaseWaiters, builder::maxLeaseWaiters);
      given(maxOutputBuffer, builder::maxOutputBuffer);
      given(stallTimeoutMs, ms -> builder.stallTimeout(Duration.ofMillis(ms)));
      given(connectionIdleTimeoutMs, ms -> builder.connectionIdleTimeout(Duration.ofMillis(ms)));
      given(replayWindowMs, ms -> builder.replayProtection(Duration.ofMillis(ms)));
      given(replayCacheSize, builder::replayCacheSize);
      given(busyPollMicros, builder::busyPollMicros);
      given(debug, builder::debug);
      given(requireTtl, builder::requireTtl);
      given(logLevel, builder::logLevel);
      given(structuredLogging, builder::structuredLogging);
      given(store, builder::store);
      given(maxMemory, size -> builder.maxMemory(size));
      unsignedServices.forEach(name -> builder.allowUnsignedServices(name));
      if (socket != null) {
        given(socket.pipeId, builder::pipeId);
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

  private static <T> void given(T option, Consumer<T> apply) {
    if (option != null) {
      apply.accept(option);
    }
  }
}
