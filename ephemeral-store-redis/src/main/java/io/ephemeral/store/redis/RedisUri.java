package io.ephemeral.store.redis;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Parses the store URI into a {@link RedisStore.Builder}. Forms:
 *
 * <pre>
 * redis://[user:password@]host[:port][/db][?options]           standalone
 * rediss://...                                                    standalone over TLS
 * redis-cluster://[user:password@]host:port[,host:port...][?options]
 * redis-sentinel://[user:password@]host:port[,host:port...][/db]?master=NAME[&amp;options]
 * redis-socket://[user:password@]/absolute/path/redis.sock[?database=N&amp;options]   standalone, Unix socket
 * </pre>
 *
 * Options: {@code prefix} (default {@code ephemeral}), {@code timeout} (ms, default 1000), {@code
 * connectTimeout} (ms, default the timeout), {@code threads} (default 8), {@code tls} (true/false,
 * for the cluster and sentinel forms). The password may instead come from the environment ({@code
 * BROKER_REDIS_PASSWORD}, and {@code BROKER_REDIS_USER}); one in the URI wins. java.net.URI is not
 * used: it cannot hold several hosts in one authority.
 */
final class RedisUri {
  /** The scheme of a standalone Redis reached through its Unix socket (as Lettuce spells it). */
  static final String SOCKET_SCHEME = "redis-socket";

  static final int DEFAULT_PORT = 6379;
  static final int DEFAULT_SENTINEL_PORT = 26379;

  private RedisUri() {}

  static RedisStore.Builder parse(String uri, Map<String, String> env) {
    int schemeEnd = uri.indexOf("://");
    if (schemeEnd < 0) {
      throw bad(
          uri,
          "expected redis://host:port, rediss://, redis-cluster://, redis-sentinel:// or"
              + " redis-socket:///path/to/redis.sock");
    }
    String scheme = uri.substring(0, schemeEnd).toLowerCase(Locale.ROOT);
    String rest = uri.substring(schemeEnd + 3);
    String query = "";
    int q = rest.indexOf('?');
    if (q >= 0) {
      query = rest.substring(q + 1);
      rest = rest.substring(0, q);
    }
    String path = "";
    int slash = rest.indexOf('/');
    if (slash >= 0) {
      // redis-socket:///run/redis.sock: the whole path is the socket's, with its leading '/'
      path = rest.substring(scheme.equals(SOCKET_SCHEME) ? slash : slash + 1);
      rest = rest.substring(0, slash);
    }
    String user = null;
    String password = null;
    int at = rest.lastIndexOf('@');
    if (at >= 0) {
      String info = rest.substring(0, at);
      rest = rest.substring(at + 1);
      int colon = info.indexOf(':');
      if (colon < 0) {
        password = decode(info); // redis://secret@host, as redis-cli accepts
      } else {
        user = colon == 0 ? null : decode(info.substring(0, colon));
        password = decode(info.substring(colon + 1));
      }
      if (password != null && password.isEmpty()) {
        password = null;
      }
    }
    Map<String, String> options = options(uri, query);
    RedisStore.Builder b = RedisStore.builder();
    if (scheme.equals(SOCKET_SCHEME)) {
      if (!rest.isEmpty()) {
        throw bad(
            uri,
            "a Unix socket URI has no host: redis-socket:///absolute/path/redis.sock, got host '"
                + rest
                + "'");
      }
      if (path.length() < 2) {
        throw bad(uri, "the Unix socket's path is missing: redis-socket:///path/to/redis.sock");
      }
      b.unixSocket(Path.of(decode(path)));
      String database = options.remove("database");
      if (database != null) {
        int db = databaseNumber(database);
        if (db < 0) {
          throw bad(uri, "database must be a number from 0, got '" + database + "'");
        }
        b.database(db);
      }
      return common(uri, b, options, user, password, env);
    }
    boolean tls;
    int defaultPort = DEFAULT_PORT;
    switch (scheme) {
      case "redis":
        tls = false;
        break;
      case "rediss":
        tls = true;
        break;
      case "redis-cluster":
      case "redis-sentinel":
        tls = bool(uri, "tls", options.remove("tls"));
        defaultPort = scheme.equals("redis-sentinel") ? DEFAULT_SENTINEL_PORT : DEFAULT_PORT;
        break;
      default:
        throw bad(uri, "unknown scheme '" + scheme + "'");
    }
    List<String> hosts = hosts(uri, rest, defaultPort);
    switch (scheme) {
      case "redis-cluster":
        if (!path.isEmpty()) {
          throw bad(uri, "a cluster has only database 0; remove '/" + path + "'");
        }
        b.cluster(hosts);
        break;
      case "redis-sentinel":
        String master = options.remove("master");
        if (master == null || master.isEmpty()) {
          throw bad(uri, "a sentinel URI needs ?master=NAME");
        }
        b.sentinel(master, hosts);
        break;
      default:
        if (hosts.size() != 1) {
          throw bad(
              uri, "one host expected; use redis-cluster:// or redis-sentinel:// for several");
        }
        b.standalone(hosts.get(0));
    }
    if (!path.isEmpty()) {
      int db = databaseNumber(path);
      if (db < 0) {
        throw bad(uri, "the path must be a database number, got '/" + path + "'");
      }
      b.database(db);
    }
    b.tls(tls);
    return common(uri, b, options, user, password, env);
  }

  /** A database number ({@code /N} or {@code database=N}), or -1 if {@code value} is none. */
  private static int databaseNumber(String value) {
    try {
      return Math.max(-1, Integer.parseInt(value));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** What every form has: credentials (or the environment's) and the options. */
  private static RedisStore.Builder common(
      String uri,
      RedisStore.Builder b,
      Map<String, String> options,
      String user,
      String password,
      Map<String, String> env) {
    if (password == null) {
      password = blankToNull(env.get("BROKER_REDIS_PASSWORD"));
      if (user == null) {
        user = blankToNull(env.get("BROKER_REDIS_USER"));
      }
    }
    if (password != null) {
      b.credentials(user, password);
    }
    String prefix = options.remove("prefix");
    if (prefix != null) {
      b.prefix(prefix);
    }
    String timeout = options.remove("timeout");
    if (timeout != null) {
      b.timeout(Duration.ofMillis(positive(uri, "timeout", timeout)));
    }
    String connectTimeout = options.remove("connectTimeout");
    if (connectTimeout != null) {
      b.connectTimeout(Duration.ofMillis(positive(uri, "connectTimeout", connectTimeout)));
    }
    String threads = options.remove("threads");
    if (threads != null) {
      b.threads((int) Math.min(positive(uri, "threads", threads), 1024));
    }
    if (!options.isEmpty()) {
      throw bad(
          uri,
          "unknown option '"
              + options.keySet().iterator().next()
              + "' (known: prefix, timeout, connectTimeout, threads, tls, master; database"
              + " with redis-socket://, where the others take /N)");
    }
    return b;
  }

  private static List<String> hosts(String uri, String authority, int defaultPort) {
    List<String> hosts = new ArrayList<>();
    for (String h : authority.split(",", -1)) {
      if (h.isEmpty()) {
        throw bad(uri, "a host is missing");
      }
      String host = h;
      int port = defaultPort;
      int colon = h.lastIndexOf(':');
      if (h.startsWith("[")) { // [::1]:6379
        int close = h.indexOf(']');
        if (close < 0) {
          throw bad(uri, "unclosed '[' in '" + h + "'");
        }
        host = h.substring(1, close);
        colon = h.indexOf(':', close);
      } else if (colon >= 0) {
        host = h.substring(0, colon);
      }
      if (colon >= 0) {
        try {
          port = Integer.parseInt(h.substring(colon + 1));
        } catch (NumberFormatException e) {
          port = -1;
        }
        if (port < 1 || port > 65535) {
          throw bad(uri, "the port in '" + h + "' must be a number from 1 to 65535");
        }
      }
      if (host.isEmpty()) {
        throw bad(uri, "a host is missing in '" + h + "'");
      }
      hosts.add(host + ":" + port);
    }
    return hosts;
  }

  private static Map<String, String> options(String uri, String query) {
    Map<String, String> options = new LinkedHashMap<>();
    if (query.isEmpty()) {
      return options;
    }
    for (String pair : query.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = decode(eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
      if (options.put(name, value) != null) {
        throw bad(uri, "option '" + name + "' is given twice");
      }
    }
    return options;
  }

  private static long positive(String uri, String name, String value) {
    try {
      long v = Long.parseLong(value);
      if (v > 0) {
        return v;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw bad(uri, name + " must be a positive whole number, got '" + value + "'");
  }

  private static boolean bool(String uri, String name, String value) {
    if (value == null || value.equals("false") || value.equals("0")) {
      return false;
    }
    if (value.equals("true") || value.equals("1") || value.isEmpty()) {
      return true;
    }
    throw bad(uri, name + " must be true or false, got '" + value + "'");
  }

  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  /** The URI with any password hidden, for messages. */
  static String redact(String uri) {
    int schemeEnd = uri.indexOf("://");
    int at = uri.lastIndexOf('@');
    int q = uri.indexOf('?');
    if (schemeEnd < 0 || at < schemeEnd || (q >= 0 && at > q)) {
      return uri;
    }
    String info = uri.substring(schemeEnd + 3, at);
    int colon = info.indexOf(':');
    String shown = colon < 0 ? "***" : info.substring(0, colon) + ":***";
    return uri.substring(0, schemeEnd + 3) + shown + uri.substring(at);
  }

  private static IllegalArgumentException bad(String uri, String why) {
    return new IllegalArgumentException("invalid Redis store URI '" + redact(uri) + "': " + why);
  }
}
