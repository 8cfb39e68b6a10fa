package io.ephemeral.broker;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.CodeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The broker of a scope, in a process of its own: started by the first JVM of a build that finds
 * none ({@code io.ephemeral.client.BrokerScope}, which also writes the pid file), it serves every
 * JVM of that scope and ends by itself once none has been connected for a while, removing the pid
 * file.
 *
 * <pre>
 * java -cp CLASSPATH io.ephemeral.broker.ScopeBroker --socket S --lock L --pid-file P --scope NAME
 *     [--linger-ms 5000] [--log-file F]
 * </pre>
 *
 * <p>The clients of a scope find its broker under the rendezvous lock {@code L} (a file lock), and
 * connect before they let go of it. This broker takes the same lock before it ends and ends only if
 * it still has no connection then, so a client never finds a broker that is about to go away.
 */
public final class ScopeBroker {
  /** How long the broker stays without any connection before it ends, by default. */
  public static final Duration DEFAULT_LINGER = Duration.ofSeconds(5);

  private static final long CHECK_MILLIS = 100;

  private ScopeBroker() {}

  /**
   * The class path a process needs to run this class: the locations of the broker and of every
   * library it uses, as found from this JVM's classes.
   */
  public static List<Path> classPath() {
    Class<?>[] anchors = {
      ScopeBroker.class,
      io.ephemeral.protocol.Hmac.class,
      com.fasterxml.jackson.core.JsonFactory.class,
      org.msgpack.core.MessagePack.class,
      org.HdrHistogram.Histogram.class,
      org.slf4j.LoggerFactory.class
    };
    Set<Path> paths = new LinkedHashSet<>();
    for (Class<?> c : anchors) {
      CodeSource source = c.getProtectionDomain().getCodeSource();
      if (source == null || source.getLocation() == null) {
        throw new IllegalStateException("cannot tell where " + c.getName() + " was loaded from");
      }
      try {
        paths.add(Path.of(source.getLocation().toURI()));
      } catch (URISyntaxException | RuntimeException e) {
        throw new IllegalStateException(
            "cannot tell where " + c.getName() + " was loaded from: " + source.getLocation(), e);
      }
    }
    return new ArrayList<>(paths);
  }

  /** Starts the scope's broker and serves until it has had no connection for the linger time. */
  public static void main(String[] args) throws Exception {
    Map<String, String> options = options(args);
    Path socket = Path.of(required(options, "--socket"));
    Path lock = Path.of(required(options, "--lock"));
    Path pidFile = Path.of(required(options, "--pid-file"));
    required(options, "--scope"); // names the process in `ps`
    Duration linger =
        Duration.ofMillis(
            Long.parseLong(
                options.getOrDefault("--linger-ms", Long.toString(DEFAULT_LINGER.toMillis()))));
    // Hermetic: BROKER_* variables configure brokers a user starts, not one a build shares.
    Broker broker = Broker.builder().environment(Map.of()).socketPath(socket).build();
    broker.start();
    serveUntilUnused(broker, lock, pidFile, linger);
    String log = options.get("--log-file");
    if (log != null) {
      Files.deleteIfExists(Path.of(log)); // this process's output; kept only when it fails
    }
    System.exit(0);
  }

  /**
   * Returns once the broker has stopped: by itself after {@code linger} without connections (it
   * then removes the pid file under the lock), or by someone else (a signal's shutdown hook).
   */
  static void serveUntilUnused(Broker broker, Path lock, Path pidFile, Duration linger)
      throws IOException, InterruptedException {
    long lingerNanos = linger.toNanos();
    long unusedSince = System.nanoTime();
    while (!broker.awaitStop(Duration.ofMillis(CHECK_MILLIS))) {
      if (broker.connections() > 0) {
        unusedSince = -1;
        continue;
      }
      long now = System.nanoTime();
      if (unusedSince < 0) {
        unusedSince = now;
      }
      if (now - unusedSince < lingerNanos) {
        continue;
      }
      // Clients connect while they hold the lock: with it held, no new one can be on its way.
      try (FileChannel ch =
              FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock held = ch.lock()) {
        if (broker.connections() == 0) {
          broker.stop();
          Files.deleteIfExists(pidFile);
          return;
        }
      }
      unusedSince = -1;
    }
    // Stopped by someone else (a signal): the pid file stays until the next broker of the scope
    // overwrites it; removing it here could remove that broker's.
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> options = new java.util.HashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("expected --name value pairs, got " + List.of(args));
      }
      options.put(args[i], args[++i]);
    }
    return options;
  }

  private static String required(Map<String, String> options, String name) {
    String v = options.get(name);
    if (v == null || v.isEmpty()) {
      throw new IllegalArgumentException(name + " is required");
    }
    return v;
  }
}
