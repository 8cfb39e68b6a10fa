package io.ephemeral.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ephemeral.client.BrokerClient;
import io.ephemeral.client.BrokerConnectionException;
import io.ephemeral.client.BrokerScope;
import io.ephemeral.client.ServicesReport;
import io.ephemeral.protocol.JsJson;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ScopeType;

/** {@code brokerctl [--pipe P] [--secret S] COMMAND}: one request to a running broker. */
@Command(
    name = "brokerctl",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    usageHelpAutoWidth = true,
    description = "Talk to a running ephemeral broker.",
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {"0:success", "1:any error (message on stderr)"},
    footer = {
      "",
      "Environment: EPHEMERAL_PIPE (socket when --pipe is not given),"
          + " CLIENT_SECRET or EPHEMERAL_SECRET (secret when --secret is not given),"
          + " CLIENT_TIMEOUT (ms)."
    })
final class Ctl {

  /** Exit status of brokerctl for every error, usage errors included. */
  static final int FAILURE = 1;

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final Map<String, String> env;
  private final PrintWriter out;

  @Option(
      names = "--pipe",
      paramLabel = "PATH",
      scope = ScopeType.INHERIT,
      description = "Broker socket (default: $EPHEMERAL_PIPE).")
  Path pipe;

  @Option(
      names = "--scope",
      paramLabel = "NAME",
      arity = "0..1",
      fallbackValue = "",
      scope = ScopeType.INHERIT,
      description =
          "The broker serving scope NAME (default: the current directory), instead of --pipe.")
  String scope;

  @Option(
      names = "--secret",
      paramLabel = "S",
      scope = ScopeType.INHERIT,
      description =
          "HMAC secret to sign requests with (default: $CLIENT_SECRET, else"
              + " $EPHEMERAL_SECRET).")
  String secret;

  @Option(
      names = "--timeout",
      paramLabel = "MS",
      scope = ScopeType.INHERIT,
      description = "Give up after MS milliseconds (default: $CLIENT_TIMEOUT, else 5000).")
  Long timeoutMs;

  Ctl(Map<String, String> env, PrintWriter out) {
    this.env = env;
    this.out = out;
  }

  @Command(name = "get", description = "Print the value of KEY as JSON text.")
  int get(@Parameters(paramLabel = "KEY") String key) {
    try (BrokerClient client = connect()) {
      String json = client.getRaw(key);
      out.println(json == null ? "undefined" : json); // a key stored without a value
    }
    return 0;
  }

  @Command(name = "set", description = "Store VALUE under KEY (a JSON string unless --json).")
  int set(
      @Parameters(paramLabel = "KEY") String key,
      @Parameters(paramLabel = "VALUE") String value,
      @Option(names = "--ttl", paramLabel = "MS", description = "Time to live in ms.") Long ttlMs,
      @Option(names = "--json", description = "VALUE is JSON text (validated), not a string.")
          boolean json) {
    Duration ttl = ttlMs == null ? null : Duration.ofMillis(ttlMs);
    try (BrokerClient client = connect()) {
      if (json) {
        client.setRaw(key, value, ttl);
      } else {
        client.set(key, value, ttl);
      }
    }
    out.println("OK");
    return 0;
  }

  @Command(name = "del", description = "Delete KEY (OK also when it did not exist).")
  int del(@Parameters(paramLabel = "KEY") String key) {
    try (BrokerClient client = connect()) {
      client.del(key);
    }
    out.println("OK");
    return 0;
  }

  @Command(name = "list", description = "Print the live keys with expiry as indented JSON.")
  int list() {
    try (BrokerClient client = connect()) {
      printJson(client.list());
    }
    return 0;
  }

  @Command(name = "stats", description = "Print the broker's statistics as indented JSON.")
  int stats() {
    try (BrokerClient client = connect()) {
      printJson(client.stats());
    }
    return 0;
  }

  @Command(name = "health", description = "Print the broker's health report as indented JSON.")
  int health() {
    try (BrokerClient client = connect()) {
      printJson(client.health());
    }
    return 0;
  }

  @Command(name = "ping", description = "Print the round trip time: pong (<ms>ms).")
  int ping() {
    try (BrokerClient client = connect()) {
      long start = System.nanoTime();
      client.ping();
      out.println("pong (" + (System.nanoTime() - start) / 1_000_000 + "ms)");
    }
    return 0;
  }

  @Command(name = "lease", description = "Lease a slot of KEY for WORKER and print its number.")
  int lease(
      @Parameters(paramLabel = "KEY") String key,
      @Parameters(paramLabel = "WORKER") String worker,
      @Option(names = "--ttl", paramLabel = "MS", description = "Lease time in ms.") Long ttlMs) {
    try (BrokerClient client = connect()) {
      int slot =
          ttlMs == null
              ? client.lease(key, worker)
              : client.lease(key, worker, Duration.ofMillis(ttlMs));
      out.println(slot);
    }
    return 0;
  }

  @Command(name = "release", description = "Release WORKER's lease: prints OK or NOT_FOUND.")
  int release(@Parameters(paramLabel = "WORKER") String worker) {
    try (BrokerClient client = connect()) {
      out.println(client.release(worker) ? "OK" : "NOT_FOUND");
    }
    return 0;
  }

  @Command(name = "metrics", description = "Print the metrics in Prometheus text format.")
  int metrics() {
    try (BrokerClient client = connect()) {
      String text = client.metrics();
      out.print(text.endsWith("\n") ? text : text + "\n");
    }
    return 0;
  }

  @Command(
      name = "services",
      description =
          "Print the gateway's services (methods, connections, last heartbeat, calls);"
              + " with --graph the observed call graph as Mermaid or DOT text.")
  int services(
      @Option(names = "--graph", description = "Print the call graph instead of the services.")
          boolean graph,
      @Option(
              names = "--format",
              paramLabel = "FORMAT",
              defaultValue = "mermaid",
              description = "Graph format: mermaid (default) or dot.")
          String format) {
    try (BrokerClient client = connect()) {
      ServicesReport report = client.services();
      if (!graph) {
        printJson(report.services());
      } else if (format.equalsIgnoreCase("mermaid")) {
        out.print(CallGraph.mermaid(report));
      } else if (format.equalsIgnoreCase("dot")) {
        out.print(CallGraph.dot(report));
      } else {
        throw new IllegalArgumentException(
            "unknown graph format '" + format + "' (use mermaid or dot)");
      }
    }
    return 0;
  }

  @Command(
      name = "top",
      description =
          "Live view: ops/s and p99 per action, items, leases, services, connections, memory."
              + " q or Ctrl-C quits.")
  int top(
      @Option(names = "--once", description = "Sample over one interval, print one frame, exit.")
          boolean once,
      @Option(
              names = "--interval",
              paramLabel = "MS",
              defaultValue = "1000",
              description = "Refresh interval (default 1000).")
          long intervalMs)
      throws Exception {
    if (intervalMs < 10) {
      throw new IllegalArgumentException("--interval must be at least 10 ms");
    }
    try (BrokerClient client = connect()) {
      Top top = new Top(client, out, java.time.Duration.ofMillis(intervalMs));
      return once ? top.once() : top.live(System.in);
    }
  }

  @Command(
      name = "call",
      description =
          "Call METHOD of gateway service SERVICE with PARAMS (JSON, default {}) and print the result as"
              + " indented JSON. brokerctl calls as an anonymous caller: it is not listed as a service"
              + " and leaves no node in the call graph.")
  int call(
      @Parameters(paramLabel = "SERVICE") String service,
      @Parameters(paramLabel = "METHOD") String method,
      @Parameters(paramLabel = "PARAMS", arity = "0..1", defaultValue = "{}") String params,
      @Option(
              names = "--msgpack",
              description = "Talk to the gateway in MessagePack instead of JSON.")
          boolean msgpack)
      throws Exception {
    com.fasterxml.jackson.databind.JsonNode json;
    try {
      json = MAPPER.readTree(params);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("PARAMS is not valid JSON: " + e.getOriginalMessage());
    }
    Path path = pipePath();
    java.time.Duration timeout =
        java.time.Duration.ofMillis(timeoutMs != null ? timeoutMs : 30_000);
    try (io.ephemeral.client.service.ServiceClient client =
        io.ephemeral.client.service.ServiceClient.builder()
            .gateway(path)
            .autoReconnect(false)
            .timeout(timeout)
            .serializer(
                msgpack
                    ? io.ephemeral.client.service.Serializer.MSGPACK
                    : io.ephemeral.client.service.Serializer.JSON)
            .build()) {
      client.connect();
      com.fasterxml.jackson.databind.JsonNode result =
          client.call(service, method, json, com.fasterxml.jackson.databind.JsonNode.class);
      printJson(result);
    }
    return 0;
  }

  /** Prints a reply object as {@code JSON.stringify(value, null, 2)} would. */
  private void printJson(Object value) {
    byte[] json;
    try {
      json = JsJson.canonicalize(MAPPER.writeValueAsBytes(value)); // 0.0 -> 0, like JavaScript
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot print the reply as JSON: " + e.getMessage(), e);
    }
    out.println(JsonText.indent(new String(json, StandardCharsets.UTF_8)));
  }

  /** The broker's socket from --pipe, --scope or EPHEMERAL_PIPE; it must exist. */
  private Path pipePath() {
    Path path = pipe;
    if (path == null && scope != null) {
      BrokerScope s =
          scope.isEmpty()
              ? BrokerScope.ofDirectory(Path.of(""), env::get)
              : BrokerScope.named(scope, env::get);
      if (!Files.exists(s.socket())) {
        throw new IllegalStateException(
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
        throw new IllegalArgumentException(
            "no broker pipe: pass --pipe PATH or set EPHEMERAL_PIPE");
      }
      path = Path.of(fromEnv);
    }
    if (!Files.exists(path)) {
      throw new IllegalStateException("broker not running (no socket at " + path + ")");
    }
    return path;
  }

  /** A client for the pipe and secret from the options or the environment. */
  private BrokerClient connect() {
    Path path = pipePath();
    // Unset options fall back to CLIENT_SECRET, EPHEMERAL_SECRET and CLIENT_TIMEOUT.
    BrokerClient.Builder builder =
        BrokerClient.builder().environment(env).pipe(path).allowNoTtl(true);
    if (secret != null) {
      builder.secret(secret);
    }
    if (timeoutMs != null) {
      builder.timeout(Duration.ofMillis(timeoutMs));
    }
    return builder.build();
  }

  /** The message after "Error: " for a failed command. */
  static String describe(Exception e) {
    if (e instanceof io.ephemeral.client.service.ServiceException s) {
      return "call failed: " + s.code() + " (" + s.getMessage() + ")";
    }
    if (e instanceof BrokerConnectionException c
        && (c.code().equals("ENOENT") || c.code().equals("ECONNREFUSED"))) {
      return "broker not running: " + e.getMessage();
    }
    // Parser messages carry a second line with the location in the source: keep the first.
    return String.valueOf(e.getMessage()).lines().findFirst().orElse("");
  }
}
