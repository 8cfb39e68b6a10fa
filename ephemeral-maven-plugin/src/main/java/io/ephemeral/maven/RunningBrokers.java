package io.ephemeral.maven;

import io.ephemeral.broker.Broker;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The brokers started by {@code ephemeral:start} in this Maven JVM. Static, so that {@code
 * ephemeral:stop} of the same build finds them (mojo instances are not shared between goals). All
 * access is under one lock, so parallel module builds ({@code -T}) are safe.
 *
 * <p>A broker is shared by every project that starts one with the same options while it runs (each
 * project is an owner); it stops when its last owner stops it, or when the JVM exits.
 */
final class RunningBrokers {
  /** Creates (but does not start) a broker. */
  interface Factory {
    Broker create();
  }

  private static final class Entry {
    final Broker broker;
    final Path socket;
    final String options;
    final Set<String> owners = new LinkedHashSet<>();

    Entry(Broker broker, Path socket, String options) {
      this.broker = broker;
      this.socket = socket;
      this.options = options;
    }
  }

  private static final Object LOCK = new Object();
  private static final Map<Path, Entry> BY_SOCKET = new HashMap<>();
  private static Thread hook;

  private RunningBrokers() {}

  /** The result of {@link #acquire}: the socket and whether it was started for this call. */
  record Acquired(Path socket, boolean started) {}

  /**
   * Returns the socket of the running broker with these options, adding {@code owner}, or starts
   * one with {@code factory}.
   */
  static Acquired acquire(String owner, String options, boolean share, Factory factory)
      throws IOException {
    synchronized (LOCK) {
      for (Entry e : BY_SOCKET.values()) {
        if (e.owners.contains(owner)) {
          if (e.options.equals(options)) {
            return new Acquired(e.socket, false);
          }
        } else if (share && e.options.equals(options) && e.broker.isRunning()) {
          e.owners.add(owner);
          return new Acquired(e.socket, false);
        }
      }
      Broker broker = factory.create();
      Path socket = broker.start();
      Entry e = new Entry(broker, socket, options);
      e.owners.add(owner);
      BY_SOCKET.put(socket, e);
      if (hook == null) {
        hook = new Thread(RunningBrokers::stopAll, "ephemeral-maven-plugin-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
      }
      return new Acquired(socket, true);
    }
  }

  /** Whether {@code socket} belongs to a broker started here. */
  static boolean isOurs(Path socket) {
    synchronized (LOCK) {
      return BY_SOCKET.containsKey(socket);
    }
  }

  /**
   * Removes {@code owner} from the broker on {@code socket} and stops the broker when it was the
   * last owner.
   *
   * @return true if the broker was stopped
   */
  static boolean release(String owner, Path socket) {
    Entry stop;
    synchronized (LOCK) {
      Entry e = BY_SOCKET.get(socket);
      if (e == null) {
        return false;
      }
      e.owners.remove(owner);
      if (!e.owners.isEmpty()) {
        return false;
      }
      BY_SOCKET.remove(socket);
      stop = e;
    }
    stop.broker.stop();
    return true;
  }

  /** Stops every broker started here; the shutdown hook's body (failed or interrupted builds). */
  static void stopAll() {
    List<Entry> all;
    synchronized (LOCK) {
      all = new ArrayList<>(BY_SOCKET.values());
      BY_SOCKET.clear();
    }
    for (Entry e : all) {
      try {
        e.broker.stop();
      } catch (RuntimeException ignored) {
        // best effort at exit: stop the others too
      }
    }
  }

  /** How many brokers run (for tests). */
  static int running() {
    synchronized (LOCK) {
      return BY_SOCKET.size();
    }
  }
}
