package io.ephemeral.broker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The broker's options, one row each: the name (the {@link Broker.Builder} method, the label of its
 * limit counter, the Maven plugin's parameter), the {@code BROKER_*} environment variable the
 * builder falls back to, the flag of {@code ephemeral-broker start}, the kind of value, its bounds,
 * its default and a one-line description. Every way of setting an option (builder, environment,
 * command line, Maven) is checked by its row, so the same value is accepted or refused with the
 * same rule everywhere.
 *
 * <p>A row without a flag ({@link #SECRET}, {@link #PIPE_ID}, {@link #STORE}) has flags of its own
 * in the CLI.
 */
public enum BrokerOption {
  /** The option of {@link Broker.Builder#debug}. */
  DEBUG(
      "debug",
      "BROKER_DEBUG",
      "--debug",
      Kind.BOOLEAN,
      false,
      "Debug logging (as log level debug)."),
  /** The option of {@link Broker.Builder#requireTtl}. */
  REQUIRE_TTL(
      "requireTtl",
      "BROKER_REQUIRE_TTL",
      "--require-ttl",
      Kind.BOOLEAN,
      true,
      "Whether set must carry a ttl."),
  /** The option of {@link Broker.Builder#defaultTtl}. */
  DEFAULT_TTL(
      "defaultTtl",
      "BROKER_DEFAULT_TTL",
      "--ttl",
      Kind.MILLIS,
      1_800_000L,
      "TTL of values set without one (when none is required) and of leases."),
  /** The option of {@link Broker.Builder#maxItems}. */
  MAX_ITEMS(
      "maxItems",
      "BROKER_MAX_ITEMS",
      "--max-items",
      Kind.COUNT,
      10_000,
      0,
      "unlimited",
      "Most live items."),
  /** The option of {@link Broker.Builder#maxRequestSize}. */
  MAX_REQUEST_SIZE(
      "maxRequestSize",
      "BROKER_MAX_REQUEST_SIZE",
      "--max-request-size",
      Kind.BYTES,
      1_048_576,
      64,
      null,
      "Longest request line."),
  /** The option of {@link Broker.Builder#maxValueSize}. */
  MAX_VALUE_SIZE(
      "maxValueSize",
      "BROKER_MAX_VALUE_SIZE",
      "--max-value-size",
      Kind.BYTES,
      262_144,
      1,
      null,
      "Largest value, in UTF-8 bytes as sent."),
  /** The option of {@link Broker.Builder#secret}. */
  SECRET(
      "secret",
      "BROKER_SECRET",
      null,
      Kind.TEXT,
      null,
      "HMAC secret: every request must then be signed (empty: none)."),
  /** The option of {@link Broker.Builder#compression}. */
  COMPRESSION(
      "compression",
      "BROKER_COMPRESSION",
      "--compression",
      Kind.BOOLEAN,
      true,
      "Keep large values gzip-compressed in memory."),
  /** The option of {@link Broker.Builder#compressionThreshold}. */
  COMPRESSION_THRESHOLD(
      "compressionThreshold",
      "BROKER_COMPRESSION_THRESHOLD",
      "--compression-threshold",
      Kind.BYTES,
      1024,
      0,
      null,
      "Values of at least this size are kept compressed."),
  /** The option of {@link Broker.Builder#sweeperInterval}. */
  SWEEPER_INTERVAL(
      "sweeperInterval",
      "BROKER_SWEEPER_INTERVAL",
      "--sweeper-interval",
      Kind.MILLIS,
      30_000L,
      "How often expired items and leases are swept."),
  /** The option of {@link Broker.Builder#idleTimeout}. */
  IDLE_TIMEOUT(
      "idleTimeout",
      "BROKER_IDLE_TIMEOUT",
      "--idle-timeout",
      Kind.MILLIS,
      0L,
      "Stop after this long without a request."),
  /** The option of {@link Broker.Builder#heartbeatInterval}. */
  HEARTBEAT_INTERVAL(
      "heartbeatInterval",
      "BROKER_HEARTBEAT_INTERVAL",
      "--heartbeat-interval",
      Kind.MILLIS,
      0L,
      "Log a heartbeat line this often."),
  /** The option of {@link Broker.Builder#logLevel}. */
  LOG_LEVEL(
      "logLevel",
      "BROKER_LOG_LEVEL",
      "--log-level",
      Kind.CHOICE,
      null,
      "The least severe level logged; debug when debug is on."),
  /** The option of {@link Broker.Builder#structuredLogging}. */
  STRUCTURED_LOGGING(
      "structuredLogging",
      "BROKER_STRUCTURED_LOGGING",
      "--structured-logging",
      Kind.BOOLEAN,
      false,
      "Log one JSON object per line."),
  /** The option of {@link Broker.Builder#metrics}. */
  METRICS(
      "metrics",
      "BROKER_METRICS",
      "--metrics",
      Kind.BOOLEAN,
      true,
      "Count requests and time a sample of them (the metrics action)."),
  /** The option of {@link Broker.Builder#pipeId}. */
  PIPE_ID(
      "pipeId",
      "BROKER_PIPE_ID",
      null,
      Kind.TEXT,
      null,
      "The socket is named broker-ID.sock instead of a random name."),
  /** The option of {@link Broker.Builder#refreshTtlOnGet}. */
  REFRESH_TTL_ON_GET(
      "refreshTtlOnGet",
      "BROKER_REFRESH_TTL_ON_GET",
      "--refresh-ttl-on-get",
      Kind.BOOLEAN,
      false,
      "A get restarts the value's TTL."),
  /** The option of {@link Broker.Builder#evictionPolicy}. */
  EVICTION_POLICY(
      "evictionPolicy",
      "BROKER_EVICTION_POLICY",
      "--eviction-policy",
      Kind.CHOICE,
      EvictionPolicy.REJECT,
      "At maxItems a set of a new key is refused (reject) or evicts the least recently used (lru)."),
  /** The option of {@link Broker.Builder#maxFrameSize}. */
  MAX_FRAME_SIZE(
      "maxFrameSize",
      "BROKER_MAX_FRAME_SIZE",
      "--max-frame-size",
      Kind.BYTES,
      16 << 20,
      64,
      null,
      "Largest gateway frame."),
  /** The option of {@link Broker.Builder#callTimeout}. */
  CALL_TIMEOUT(
      "callTimeout",
      "BROKER_CALL_TIMEOUT",
      "--call-timeout",
      Kind.MILLIS,
      30_000L,
      "The gateway fails a call not answered within this long (or by its own deadline)."),
  /** The option of {@link Broker.Builder#staleServiceTimeout}. */
  STALE_SERVICE_TIMEOUT(
      "staleServiceTimeout",
      "BROKER_STALE_SERVICE_TIMEOUT",
      "--stale-service-timeout",
      Kind.MILLIS,
      90_000L,
      "The gateway disconnects a service that sent nothing for this long."),
  /** The option of {@link Broker.Builder#maxPendingCallsPerConnection}. */
  MAX_PENDING_CALLS(
      "maxPendingCallsPerConnection",
      "BROKER_MAX_PENDING_CALLS",
      "--max-pending-calls",
      Kind.COUNT,
      0, // no count limit: the memory budget bounds what calls in flight hold
      0,
      "no count limit",
      "Most gateway calls in flight per connection."),
  /** The option of {@link Broker.Builder#peerAccess}. */
  PEER_ACCESS(
      "peerAccess",
      "BROKER_PEER_ACCESS",
      "--peer-access",
      Kind.CHOICE,
      PeerAccess.SAME_USER,
      "Who may connect: the broker's user, its group, or any local user."),
  /** The option of {@link Broker.Builder#maxConnections}. */
  MAX_CONNECTIONS(
      "maxConnections",
      "BROKER_MAX_CONNECTIONS",
      "--max-connections",
      Kind.COUNT,
      4096,
      1,
      null,
      "Most open connections."),
  /** The option of {@link Broker.Builder#maxKeyLength}. */
  MAX_KEY_LENGTH(
      "maxKeyLength",
      "BROKER_MAX_KEY_LENGTH",
      "--max-key-length",
      Kind.BYTES,
      4096,
      1,
      null,
      "Longest key."),
  /** The option of {@link Broker.Builder#maxNestingDepth}. */
  MAX_NESTING_DEPTH(
      "maxNestingDepth",
      "BROKER_MAX_NESTING_DEPTH",
      "--max-nesting-depth",
      Kind.COUNT,
      64,
      2,
      1000,
      null,
      "Deepest JSON nesting in a request."),
  /** The option of {@link Broker.Builder#maxNumberLength}. */
  MAX_NUMBER_LENGTH(
      "maxNumberLength",
      "BROKER_MAX_NUMBER_LENGTH",
      "--max-number-length",
      Kind.COUNT,
      1000,
      1,
      100_000,
      null,
      "Longest number in a request, in characters."),
  /** The option of {@link Broker.Builder#maxStringLength}. */
  MAX_STRING_LENGTH(
      "maxStringLength",
      "BROKER_MAX_STRING_LENGTH",
      "--max-string-length",
      Kind.COUNT,
      20_000_000,
      1,
      null,
      "Longest string in a request, in characters."),
  /** The option of {@link Broker.Builder#maxFrameDepth}. */
  MAX_FRAME_DEPTH(
      "maxFrameDepth",
      "BROKER_MAX_FRAME_DEPTH",
      "--max-frame-depth",
      Kind.COUNT,
      256,
      2,
      1000,
      null,
      "Deepest nesting in a gateway frame."),
  /** The option of {@link Broker.Builder#maxLeaseWaiters}. */
  MAX_LEASE_WAITERS(
      "maxLeaseWaiters",
      "BROKER_MAX_LEASE_WAITERS",
      "--max-lease-waiters",
      Kind.COUNT,
      1024,
      0,
      "no waiting",
      "Most lease requests waiting for a slot."),
  /** The option of {@link Broker.Builder#maxOutputBuffer}. */
  MAX_OUTPUT_BUFFER(
      "maxOutputBuffer",
      "BROKER_MAX_OUTPUT_BUFFER",
      "--max-output-buffer",
      Kind.BYTES,
      64 << 20,
      64 * 1024,
      null,
      "Most unsent output of one connection; beyond it the connection is closed."),
  /** The option of {@link Broker.Builder#stallTimeout}. */
  STALL_TIMEOUT(
      "stallTimeout",
      "BROKER_STALL_TIMEOUT",
      "--stall-timeout",
      Kind.MILLIS,
      30_000L,
      "Close a connection whose started request or unsent output does not move for this long."),
  /** The option of {@link Broker.Builder#connectionIdleTimeout}. */
  CONNECTION_IDLE_TIMEOUT(
      "connectionIdleTimeout",
      "BROKER_CONNECTION_IDLE_TIMEOUT",
      "--connection-idle-timeout",
      Kind.MILLIS,
      0L,
      "Close a connection that sent nothing for this long."),
  /** The option of {@link Broker.Builder#replayProtection}. */
  REPLAY_PROTECTION(
      "replayProtection",
      "BROKER_REPLAY_WINDOW",
      "--replay-window",
      Kind.MILLIS,
      0L,
      "Signed requests must carry ts within this window of the broker's clock and an unused nonce;"
          + " needs a secret."),
  /** The option of {@link Broker.Builder#replayCacheSize}. */
  REPLAY_CACHE_SIZE(
      "replayCacheSize",
      "BROKER_REPLAY_CACHE_SIZE",
      "--replay-cache-size",
      Kind.COUNT,
      100_000,
      1,
      null,
      "Most nonces remembered for replay protection."),
  /** The option of {@link Broker.Builder#busyPollMicros}. */
  BUSY_POLL_MICROS(
      "busyPollMicros",
      "BROKER_BUSY_POLL_MICROS",
      "--busy-poll-micros",
      Kind.MICROS,
      50,
      0,
      10_000,
      "off",
      "After a busy loop turn, poll the sockets this long before sleeping."),
  /** The option of {@link Broker.Builder#maxMemory(long)}. */
  MAX_MEMORY(
      "maxMemory",
      "BROKER_MAX_MEMORY",
      "--max-memory",
      Kind.SIZE,
      null,
      1,
      Long.MAX_VALUE,
      null,
      "Memory budget for what clients make the broker hold (values, leases, gateway calls,"
          + " unfinished and unsent data); past it writes are refused with memory_limit."),
  /** The option of {@link Broker.Builder#allowUnsignedServices}. */
  ALLOW_UNSIGNED_SERVICES(
      "allowUnsignedServices",
      "BROKER_ALLOW_UNSIGNED_SERVICES",
      "--allow-unsigned-service",
      Kind.NAMES,
      List.of(),
      "With a secret, gateway services of these names (* matches anything) may register without"
          + " proving the secret, e.g. Node ipc-bro services."),
  /** The option of {@link Broker.Builder#store(String)}. */
  STORE(
      "store",
      "BROKER_STORE",
      null,
      Kind.TEXT,
      null,
      "Where values and leases live: memory, or a shared store's URI (redis://...).");

  /** What kind of value an option takes. */
  public enum Kind {
    /** true or false; as text also 1/0, yes/no, on/off. */
    BOOLEAN(""),
    /** A whole number. */
    COUNT("N"),
    /** A whole number of bytes. */
    BYTES("BYTES"),
    /** A whole number of milliseconds; the builder takes a {@link Duration}. */
    MILLIS("MS"),
    /** A whole number of microseconds. */
    MICROS("US"),
    /** Text. */
    TEXT("TEXT"),
    /** One of a few names. */
    CHOICE("NAME"),
    /** A number of bytes, or a number with k, m or g (binary units): {@code 512m}, {@code 2g}. */
    SIZE("SIZE"),
    /** Names, separated by commas in text (the flag may be repeated); the builder appends. */
    NAMES("NAME");

    private final String label;

    Kind(String label) {
      this.label = label;
    }

    /** What the value is called in usage help, e.g. {@code BYTES}. */
    public String label() {
      return label;
    }
  }

  private static final Pattern PIPE_ID_PATTERN = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  /** One row of the table. */
  private record Row(
      String name,
      String variable,
      String flag,
      Kind kind,
      Object defaultValue,
      long min,
      long max,
      String zeroMeans,
      String description) {}

  private final Row row;

  BrokerOption(
      String name, String variable, String flag, Kind kind, Object defaultValue, String doc) {
    this(
        name,
        variable,
        flag,
        kind,
        defaultValue,
        kind == Kind.MILLIS ? 1 : 0,
        Long.MAX_VALUE,
        null,
        doc);
  }

  BrokerOption(
      String name,
      String variable,
      String flag,
      Kind kind,
      int defaultValue,
      int min,
      String zeroMeans,
      String doc) {
    this(name, variable, flag, kind, defaultValue, min, Integer.MAX_VALUE, zeroMeans, doc);
  }

  BrokerOption(
      String name,
      String variable,
      String flag,
      Kind kind,
      Object defaultValue,
      long min,
      long max,
      String zeroMeans,
      String doc) {
    this.row = new Row(name, variable, flag, kind, defaultValue, min, max, zeroMeans, doc);
  }

  /** The option's name: its {@link Broker.Builder} method and its Maven parameter. */
  public String optionName() {
    return row.name();
  }

  /** The environment variable the builder falls back to when the option is not set. */
  public String environmentVariable() {
    return row.variable();
  }

  /** The flag of {@code ephemeral-broker start}, or null when the CLI has flags of its own. */
  public String flag() {
    return row.flag();
  }

  /** What kind of value the option takes. */
  public Kind kind() {
    return row.kind();
  }

  /**
   * The value in effect when the option is set nowhere: a Boolean, an Integer (counts, bytes,
   * microseconds), a Long (milliseconds; 0 for an option that is off by default), a String, an
   * {@link EvictionPolicy} or a {@link PeerAccess}; null when there is none (no secret, a random
   * socket name, the memory store, the log level that follows {@link #DEBUG}).
   */
  public Object defaultValue() {
    return row.defaultValue();
  }

  /** The smallest number accepted (numeric kinds). */
  public long min() {
    return row.min();
  }

  /** The largest number accepted (numeric kinds). */
  public long max() {
    return row.max();
  }

  /** The one-line description of the option. */
  public String description() {
    return row.description();
  }

  /** The default as usage help shows it, e.g. {@code 1048576}, {@code off} or {@code lru}. */
  public String defaultText() {
    if (row.defaultValue() == null) {
      return this == STORE
          ? "memory"
          : this == LOG_LEVEL ? "info" : this == MAX_MEMORY ? "half the JVM's heap" : "none";
    }
    if (row.kind() == Kind.NAMES) {
      List<?> names = (List<?>) row.defaultValue();
      return names.isEmpty() ? "none" : String.valueOf(names);
    }
    if (row.kind() == Kind.MILLIS && ((Long) row.defaultValue()) == 0) {
      return "off";
    }
    if (row.kind() == Kind.CHOICE) {
      return choices().entrySet().stream()
          .filter(e -> e.getValue().equals(row.defaultValue()))
          .findFirst()
          .orElseThrow()
          .getKey();
    }
    return String.valueOf(row.defaultValue());
  }

  /**
   * The accepted names of a {@link Kind#CHOICE} option and what each stands for (the first name of
   * each value is the one shown); empty for other kinds.
   */
  public Map<String, Object> choices() {
    Map<String, Object> names = new LinkedHashMap<>();
    switch (this) {
      case LOG_LEVEL:
        for (String level : List.of("debug", "info", "warn", "error")) {
          names.put(level, level);
        }
        break;
      case EVICTION_POLICY:
        names.put("reject", EvictionPolicy.REJECT);
        names.put("lru", EvictionPolicy.LRU);
        break;
      case PEER_ACCESS:
        names.put("user", PeerAccess.SAME_USER);
        names.put("group", PeerAccess.SAME_GROUP);
        names.put("any", PeerAccess.ANY);
        names.put("same_user", PeerAccess.SAME_USER);
        names.put("same_group", PeerAccess.SAME_GROUP);
        break;
      default:
        break;
    }
    return names;
  }

  /**
   * The rule a value must follow, e.g. {@code must be from 2 to 1000}; used in every message that
   * refuses a value of this option.
   */
  public String rule() {
    switch (row.kind()) {
      case BOOLEAN:
        return "must be true or false";
      case TEXT:
        return this == PIPE_ID
            ? "must be 1-64 characters of letters, digits, '.', '_' or '-'"
            : "must be text";
      case CHOICE:
        return "must be one of " + String.join(", ", choiceNames());
      case SIZE:
        return "must be a positive size: bytes, or a number with k, m or g (512m, 2g)";
      case NAMES:
        return "must be names separated by commas";
      default:
        break;
    }
    String unit =
        row.kind() == Kind.MILLIS
            ? " milliseconds"
            : row.kind() == Kind.MICROS ? " microseconds" : "";
    String zero = row.zeroMeans() == null ? "" : " (" + row.zeroMeans() + ")";
    if (row.max() == Integer.MAX_VALUE || row.max() == Long.MAX_VALUE) {
      if (row.min() == 1) {
        return "must be positive";
      }
      return row.min() == 0
          ? "must be 0" + zero + " or more"
          : "must be at least " + row.min() + (row.kind() == Kind.BYTES ? " bytes" : unit);
    }
    return "must be from " + row.min() + zero + " to " + row.max() + unit;
  }

  /**
   * The value of {@code text} (from the environment, a command line or a POM), of the type {@link
   * #defaultValue()} describes.
   *
   * @throws IllegalArgumentException saying what is wrong with it, e.g. {@code 'abc' is not a whole
   *     number} or {@code -1 must be 0 (unlimited) or more}
   */
  public Object parse(String text) {
    Objects.requireNonNull(text, "text");
    String t = text.trim();
    switch (row.kind()) {
      case BOOLEAN:
        switch (t.toLowerCase(Locale.ROOT)) {
          case "true":
          case "1":
          case "yes":
          case "on":
            return Boolean.TRUE;
          case "false":
          case "0":
          case "no":
          case "off":
            return Boolean.FALSE;
          default:
            throw new IllegalArgumentException(
                "'" + text + "' is not a boolean (use true/false or 1/0)");
        }
      case TEXT:
        if (this == PIPE_ID && !PIPE_ID_PATTERN.matcher(text).matches()) {
          throw new IllegalArgumentException("'" + text + "' " + rule());
        }
        return text;
      case SIZE:
        return parseSize(t, text);
      case NAMES:
        {
          List<String> names = new ArrayList<>();
          for (String name : t.split(",")) {
            if (!name.isBlank()) {
              names.add(name.trim());
            }
          }
          return List.copyOf(names);
        }
      case CHOICE:
        {
          Object value = choices().get(t.toLowerCase(Locale.ROOT).replace('-', '_'));
          if (value == null) {
            throw new IllegalArgumentException("'" + text + "' " + rule());
          }
          return value;
        }
      default:
        long number;
        try {
          number = Long.parseLong(t);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("'" + text + "' is not a whole number");
        }
        if (number > row.max() && (row.max() == Integer.MAX_VALUE || row.max() == Long.MAX_VALUE)) {
          throw new IllegalArgumentException(number + " must be at most " + row.max());
        }
        if (number < row.min() || number > row.max()) {
          throw new IllegalArgumentException(number + " " + rule());
        }
        return row.kind() == Kind.MILLIS ? (Object) number : (Object) (int) number;
    }
  }

  /**
   * Checks a value given to the builder ({@link Duration}s as their milliseconds) and returns it as
   * the option holds it.
   *
   * @throws IllegalArgumentException naming the option, its rule and the value
   */
  public Object check(Object value) {
    Objects.requireNonNull(value, row.name());
    boolean valid;
    Object held = value;
    switch (row.kind()) {
      case BOOLEAN:
        valid = value instanceof Boolean;
        break;
      case TEXT:
        valid =
            value instanceof String
                && (this != PIPE_ID || PIPE_ID_PATTERN.matcher((String) value).matches());
        break;
      case CHOICE:
        valid = choices().containsValue(value);
        break;
      case SIZE:
        valid = value instanceof Long && (Long) value >= row.min();
        break;
      case NAMES:
        valid =
            value instanceof List && ((List<?>) value).stream().allMatch(String.class::isInstance);
        break;
      case MILLIS:
        if (value instanceof Duration) {
          Duration d = (Duration) value;
          valid = !d.isNegative() && !d.isZero() && d.toMillis() >= row.min();
          held = d.toMillis();
        } else {
          valid = value instanceof Long && (Long) value >= row.min() && (Long) value <= row.max();
        }
        break;
      default:
        valid =
            value instanceof Integer
                && (Integer) value >= row.min()
                && (Integer) value <= row.max();
        break;
    }
    if (!valid) {
      throw new IllegalArgumentException(
          row.name() + " " + rule() + ", got " + (this == SECRET ? "(hidden)" : value));
    }
    return held;
  }

  /** A size: bytes, or a number with k, m or g (binary units; {@code kb} and {@code kib} alike). */
  private static Long parseSize(String trimmed, String text) {
    String t = trimmed.toLowerCase(Locale.ROOT);
    int digits = 0;
    while (digits < t.length() && Character.isDigit(t.charAt(digits))) {
      digits++;
    }
    String unit = t.substring(digits).trim();
    if (unit.endsWith("ib")) {
      unit = unit.substring(0, unit.length() - 2);
    } else if (unit.endsWith("b") && unit.length() == 2) {
      unit = unit.substring(0, 1);
    }
    int shift;
    switch (unit) {
      case "":
      case "b":
        shift = 0;
        break;
      case "k":
        shift = 10;
        break;
      case "m":
        shift = 20;
        break;
      case "g":
        shift = 30;
        break;
      default:
        shift = -1;
    }
    if (digits == 0 || digits > 12 || shift < 0) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a size (bytes, or a number with k, m or g: 512m, 2g)");
    }
    long value = Long.parseLong(t.substring(0, digits)) << shift;
    if (value <= 0) {
      throw new IllegalArgumentException("'" + text + "' must be positive");
    }
    return value;
  }

  /** The option named {@code name} ({@link #optionName()}). */
  public static BrokerOption named(String name) {
    for (BrokerOption o : values()) {
      if (o.row.name().equals(name)) {
        return o;
      }
    }
    List<String> names = new ArrayList<>();
    for (BrokerOption o : values()) {
      names.add(o.row.name());
    }
    throw new IllegalArgumentException(
        "no broker option is called '" + name + "' (options: " + String.join(", ", names) + ")");
  }

  /** The names a {@link Kind#CHOICE} option is shown with, one per value; empty for other kinds. */
  public List<String> choiceNames() {
    List<String> shown = new ArrayList<>();
    List<Object> seen = new ArrayList<>();
    for (Map.Entry<String, Object> e : choices().entrySet()) {
      if (!seen.contains(e.getValue())) {
        seen.add(e.getValue());
        shown.add(e.getKey());
      }
    }
    return shown;
  }
}
