package io.ephemeral.broker.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

/**
 * One registered service name and its connections, or an anonymous caller (never registered in the
 * router's {@code services}); the gateway router's state, owned by the loop thread.
 */
final class GatewayService {
  final String name;
  final boolean anonymous;
  final boolean pooled;
  final int poolSize; // announced by the first pool connection (0: unknown)
  final long connectedAt;
  final ArrayList<Connection> connections = new ArrayList<>(1);
  final HashMap<String, PendingCall> pending = new HashMap<>();

  /** What the pool's first connection presented as metadata.poolKey (null: none). */
  String poolKey;

  /** Calls this service made that await their answers: a list through the calls themselves. */
  PendingCall made;

  List<String> methods;

  /** {@link #methods} as a set, for the per-method figures. */
  java.util.Set<String> methodNames = java.util.Set.of();

  String version;
  long lastSeen;
  int nextConnection;
  long callsReceived;
  long callsMade;
  long errors;

  /** What this registration counts in the memory budget. */
  long bytes;

  GatewayService(String name, boolean pooled, int poolSize, long now) {
    this(name, pooled, poolSize, now, false);
  }

  GatewayService(String name, boolean pooled, int poolSize, long now, boolean anonymous) {
    this.name = name;
    this.anonymous = anonymous;
    this.pooled = pooled;
    this.poolSize = poolSize;
    this.connectedAt = now;
    this.lastSeen = now;
  }

  /** Round-robin over connections that are not backlogged; null if all are. */
  Connection nextConnection(int maxBacklog) {
    int n = connections.size();
    for (int i = 0; i < n; i++) {
      Connection c = connections.get((nextConnection + i) % n);
      if (c.out.size() < maxBacklog) {
        nextConnection = (nextConnection + i + 1) % n;
        return c;
      }
    }
    return null;
  }

  /**
   * Why a connection may not join this pool although its metadata fits it, or null: its index must
   * be free, and it must present the pool's key (the key of the pool's first connection; Node pools
   * have none, and their connections none either).
   */
  String poolRefusal(FrameMessage m) {
    int index = (int) m.poolIndex;
    for (Connection member : connections) {
      if (member.frames().poolIndex == index) {
        return "pool index " + index + " of '" + name + "' is already held";
      }
    }
    if (poolKey == null
        ? m.poolKey != null
        : m.poolKey == null
            || !java.security.MessageDigest.isEqual(
                poolKey.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                m.poolKey.getBytes(java.nio.charset.StandardCharsets.UTF_8))) {
      return "the pool key does not match the pool of '" + name + "'";
    }
    return null;
  }

  /**
   * A pool connection may join only the pool it belongs to: same announced size, an index within
   * it, and room left. (Anyone on the socket could otherwise join any pool's round robin.)
   */
  boolean fitsPool(FrameMessage m) {
    if (poolSize <= 0 || m.poolSize != poolSize) {
      return false;
    }
    return m.poolIndex >= 0
        && m.poolIndex < poolSize
        && m.poolIndex == Math.rint(m.poolIndex)
        && connections.size() < poolSize;
  }
}
