package io.ephemeral.client.service;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ephemeral.protocol.Hmac;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connections of one {@link ServiceClient}: opening and registering them, picking one per
 * message, heartbeats, re-establishing lost ones in the background, and handing what they read to
 * the part of the client it is for.
 */
final class LinkPool {
  /*
   * Implementation notes.
   *
   * `state` guards wanted/closed/links/attempts/reconnects/announcedUp/heartbeat. `wanted` is
   * what the user asked for (connect() sets it, disconnect() clears it); reconnect attempts only
   * run while it is set. `links[i]` is the registered connection of pool slot i, or null while it
   * is down; `live` is an immutable snapshot of the non-null ones for lock-free sending. A Link
   * sets its closed flag before it reports the closure (onClosed takes `state`), so installing a
   * link under `state` after checking isClosed() cannot miss its loss.
   *
   * Calls sent on a link fail when it closes (PendingCalls.failSentOn); the listeners hear of
   * "connected" when the first link of a down client registers and "disconnected" when the last
   * one goes.
   */
  private static final Logger LOG = LoggerFactory.getLogger(ServiceClient.class);
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  static final String PROTOCOL_VERSION = "1.0.0";

  private final String serviceName;
  private final Path gateway;
  private final int poolSize;

  /** REGISTER's proof of the broker's secret ({@code auth}), or null without a secret. */
  private final String registrationProof;

  /** What every connection of this pool presents to join it ({@code metadata.poolKey}). */
  private final String poolKey;

  private final boolean autoReconnect;
  private final long reconnectDelayMs;
  private final long maxReconnectDelayMs;
  private final long registrationTimeoutMs;
  private final long heartbeatMs;
  private final long busyPollNanos;
  private final Frames frames;
  private final ScheduledExecutorService scheduler;
  private final Listeners listeners;
  private final PendingCalls calls;
  private final Handlers handlers;

  private final Set<Link> openLinks = ConcurrentHashMap.newKeySet();
  private final AtomicInteger roundRobin = new AtomicInteger();
  private final ReentrantLock connectLock = new ReentrantLock();

  private final Object state = new Object();
  private boolean wanted;
  private boolean closed;
  private boolean announcedUp;
  private final Link[] links;
  private final int[] attempts;
  private final ScheduledFuture<?>[] reconnects;
  private ScheduledFuture<?> heartbeat;
  private volatile Link[] live = new Link[0];

  LinkPool(
      ServiceClient.Builder b,
      Path gateway,
      String secret,
      Frames frames,
      ScheduledExecutorService scheduler,
      Listeners listeners,
      PendingCalls calls,
      Handlers handlers) {
    this.serviceName = b.serviceName;
    this.gateway = gateway;
    this.poolSize = b.poolSize;
    // An anonymous caller proves the secret with the proof of the empty name, which no service
    // can have, so it cannot be replayed to register one.
    this.registrationProof =
        secret == null
            ? null
            : Hmac.withSecret(secret).registrationProof(b.serviceName == null ? "" : b.serviceName);
    this.poolKey = b.poolSize > 1 ? Ids.poolKey() : null;
    this.autoReconnect = b.autoReconnect;
    this.reconnectDelayMs = b.reconnectDelay.toMillis();
    this.maxReconnectDelayMs = b.maxReconnectDelay.toMillis();
    this.registrationTimeoutMs = b.timeout.toMillis();
    this.heartbeatMs = b.heartbeatInterval.toMillis();
    this.busyPollNanos = b.busyPoll.toNanos();
    this.frames = frames;
    this.scheduler = scheduler;
    this.listeners = listeners;
    this.calls = calls;
    this.handlers = handlers;
    this.links = new Link[poolSize];
    this.attempts = new int[poolSize];
    this.reconnects = new ScheduledFuture<?>[poolSize];
  }

  /** See {@link ServiceClient#connect()}. */
  void connect() {
    connectLock.lock();
    try {
      synchronized (state) {
        if (closed) {
          throw new IllegalStateException(
              "ServiceClient '" + ServiceClient.threadName(serviceName) + "' is closed");
        }
        if (wanted && live.length > 0) {
          return;
        }
        wanted = true;
        cancelReconnectsLocked();
      }
      List<Link> opened = new ArrayList<>(poolSize);
      try {
        opened.add(openAndRegister(0));
        awaitRegistration(opened.get(0));
        for (int i = 1; i < poolSize; i++) {
          opened.add(openAndRegister(i));
        }
        for (int i = 1; i < poolSize; i++) {
          awaitRegistration(opened.get(i));
        }
      } catch (ServiceException e) {
        synchronized (state) {
          wanted = false;
        }
        for (Link l : opened) {
          l.close(null);
        }
        throw e;
      }
      boolean becameUp;
      List<Integer> lost = new ArrayList<>();
      List<Link> redundant = new ArrayList<>();
      synchronized (state) {
        if (!wanted || closed) {
          for (Link l : opened) {
            l.close(null);
          }
          throw ServiceException.of(
              ServiceException.NOT_CONNECTED, "Client disconnected while connecting");
        }
        for (Link l : opened) {
          if (l.isClosed()) {
            lost.add(l.index);
          } else if (links[l.index] != null) {
            redundant.add(l); // a background reconnect got there first
          } else {
            links[l.index] = l;
            attempts[l.index] = 0;
          }
        }
        refreshLiveLocked();
        becameUp = !announcedUp && live.length > 0;
        announcedUp |= live.length > 0;
        for (int index : lost) {
          scheduleReconnectLocked(index);
        }
        startHeartbeatLocked();
      }
      for (Link l : redundant) {
        l.close(null);
      }
      if (live.length == 0) {
        throw ServiceException.of(
            ServiceException.CONNECTION_FAILED, "Connection closed right after registration");
      }
      for (int i = 0; i < opened.size() - lost.size() - redundant.size(); i++) {
        listeners.emit(ServiceListener::onRegistered);
      }
      if (becameUp) {
        listeners.emit(ServiceListener::onConnected);
      }
    } finally {
      connectLock.unlock();
    }
  }

  /** See {@link ServiceClient#disconnect()}. */
  void disconnect() {
    List<Link> toClose;
    boolean wasUp;
    synchronized (state) {
      wanted = false;
      cancelReconnectsLocked();
      Arrays.fill(links, null);
      Arrays.fill(attempts, 0);
      refreshLiveLocked();
      wasUp = announcedUp;
      announcedUp = false;
      if (heartbeat != null) {
        heartbeat.cancel(false);
        heartbeat = null;
      }
      toClose = new ArrayList<>(openLinks);
    }
    calls.failAll(ServiceException.NOT_CONNECTED, "Client disconnected");
    for (Link l : toClose) {
      l.close(null);
    }
    if (wasUp) {
      listeners.emit(ServiceListener::onDisconnected);
    }
  }

  /** Disconnects for good: no later connect() succeeds. */
  void close() {
    disconnect();
    synchronized (state) {
      closed = true;
    }
  }

  boolean isConnected() {
    return live.length > 0;
  }

  int liveCount() {
    return live.length;
  }

  int reconnectAttempts() {
    synchronized (state) {
      return Arrays.stream(attempts).sum();
    }
  }

  /** A registered connection, round-robin; null if none is up. */
  Link pick() {
    Link[] now = live;
    for (int tries = 0; tries < now.length; tries++) {
      Link l = now[Math.floorMod(roundRobin.getAndIncrement(), now.length)];
      if (!l.isClosed()) {
        return l;
      }
    }
    return null;
  }

  /** Whether the calling thread reads one of these connections. */
  boolean isReaderThread() {
    return Link.isReaderOf(owner);
  }

  // ---------------------------------------------------------------------- opening

  private Link openAndRegister(int index) {
    Link link;
    try {
      link =
          Link.open(
              gateway,
              index,
              owner,
              frames.maxFrameSize,
              busyPollNanos,
              "ephemeral-service-" + ServiceClient.threadName(serviceName) + "-reader-" + index);
    } catch (IOException | RuntimeException e) {
      throw ServiceException.of(
          ServiceException.CONNECTION_FAILED,
          "Cannot connect to the gateway at " + gateway + ": " + e.getMessage(),
          e);
    }
    openLinks.add(link);
    link.callerName(serviceName); // an anonymous link learns its name from the REGISTER_ACK
    ObjectNode register = NODES.objectNode();
    register.put("type", "REGISTER");
    if (serviceName != null) {
      register.put("serviceName", serviceName);
    } else {
      register.put("anonymous", true);
    }
    ArrayNode list = register.putArray("methods");
    handlers.names().forEach(list::add);
    register.put("version", PROTOCOL_VERSION);
    ObjectNode metadata = register.putObject("metadata");
    if (poolSize > 1) {
      metadata.put("poolIndex", index);
      metadata.put("poolSize", poolSize);
      metadata.put("poolKey", poolKey);
    }
    if (registrationProof != null) {
      register.put("auth", registrationProof);
    }
    try {
      link.send(frames.encode(register));
      ScheduledFuture<?> timer =
          scheduler.schedule(
              () ->
                  link.registration.completeExceptionally(
                      ServiceException.of(
                          ServiceException.CONNECTION_FAILED,
                          "Registration timeout after " + registrationTimeoutMs + "ms")),
              registrationTimeoutMs,
              TimeUnit.MILLISECONDS);
      link.registration.whenComplete((v, e) -> timer.cancel(false));
    } catch (IOException | RuntimeException e) {
      link.close(e);
      throw ServiceException.of(
          ServiceException.CONNECTION_FAILED,
          "Cannot register with the gateway at " + gateway + ": " + e.getMessage(),
          e);
    }
    return link;
  }

  private void awaitRegistration(Link link) {
    try {
      link.registration.get();
    } catch (ExecutionException e) {
      ServiceException se = ServiceException.unwrap(e);
      throw ServiceException.of(
          ServiceException.CONNECTION_FAILED.equals(se.code())
              ? se.code()
              : ServiceException.CONNECTION_FAILED,
          se.getMessage(),
          se);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ServiceException.of(
          ServiceException.CONNECTION_FAILED, "Interrupted while registering", e);
    }
  }

  /**
   * The gateway acknowledged {@code link}'s REGISTER. An anonymous link takes the caller identity
   * the gateway gave it; a gateway that gave none does not know anonymous callers.
   */
  void registered(Link link, WireMessage ack) {
    if (serviceName == null) {
      if (ack.caller == null || ack.caller.isEmpty()) {
        link.registration.completeExceptionally(
            ServiceException.of(
                ServiceException.CONNECTION_FAILED,
                "The gateway gave this anonymous caller no identity: it does not support"
                    + " anonymous callers; set a service name"));
        return;
      }
      link.callerName(ack.caller);
    }
    link.registration.complete(null);
  }

  /** An ERROR frame on a link still waiting for its REGISTER_ACK refuses the registration. */
  void refuseRegistration(Link link, ServiceException e) {
    if (!link.registration.isDone()) {
      link.registration.completeExceptionally(
          ServiceException.of(ServiceException.CONNECTION_FAILED, e.getMessage(), e));
    }
  }

  // ---------------------------------------------------------------------- keeping up

  private void refreshLiveLocked() {
    List<Link> up = new ArrayList<>(poolSize);
    for (Link l : links) {
      if (l != null) {
        up.add(l);
      }
    }
    live = up.toArray(new Link[0]);
  }

  private void cancelReconnectsLocked() {
    for (int i = 0; i < reconnects.length; i++) {
      if (reconnects[i] != null) {
        reconnects[i].cancel(false);
        reconnects[i] = null;
      }
    }
  }

  private void scheduleReconnectLocked(int index) {
    if (!wanted || closed || !autoReconnect || reconnects[index] != null) {
      return;
    }
    int attempt = attempts[index] + 1;
    long delay = reconnectDelayMs;
    for (int i = 1; i < attempt && delay < maxReconnectDelayMs; i++) {
      delay *= 2;
    }
    delay = Math.min(delay, maxReconnectDelayMs);
    try {
      reconnects[index] = scheduler.schedule(() -> reconnect(index), delay, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // closing
    }
  }

  private void reconnect(int index) {
    synchronized (state) {
      reconnects[index] = null;
      if (!wanted || closed || links[index] != null) {
        return;
      }
      attempts[index]++;
    }
    Link link;
    try {
      link = openAndRegister(index);
    } catch (ServiceException e) {
      LOG.debug("service '{}': reconnect attempt failed: {}", serviceName, e.getMessage());
      synchronized (state) {
        scheduleReconnectLocked(index);
      }
      return;
    }
    link.registration.whenComplete(
        (v, error) -> {
          if (error != null) {
            link.close(error);
            listeners.emit(l -> l.onError(ServiceException.unwrap(error)));
            synchronized (state) {
              scheduleReconnectLocked(index);
            }
            return;
          }
          boolean becameUp;
          synchronized (state) {
            if (!wanted || closed || links[index] != null || link.isClosed()) {
              if (link.isClosed()) {
                scheduleReconnectLocked(index);
              }
              becameUp = false;
            } else {
              links[index] = link;
              attempts[index] = 0;
              refreshLiveLocked();
              becameUp = !announcedUp;
              announcedUp = true;
              listeners.emitLater(ServiceListener::onRegistered);
              if (becameUp) {
                listeners.emitLater(ServiceListener::onConnected);
              }
              return;
            }
          }
          link.close(null);
        });
  }

  private void startHeartbeatLocked() {
    if (heartbeat != null) {
      return;
    }
    heartbeat =
        scheduler.scheduleAtFixedRate(
            this::sendHeartbeats, heartbeatMs, heartbeatMs, TimeUnit.MILLISECONDS);
  }

  private void sendHeartbeats() {
    ObjectNode hb = NODES.objectNode();
    hb.put("type", "HEARTBEAT");
    hb.put("from", serviceName); // null for an anonymous client: the gateway knows the link
    hb.put("timestamp", System.currentTimeMillis());
    byte[] body = frames.encode(hb);
    for (Link l : live) {
      try {
        l.send(body);
      } catch (IOException e) {
        LOG.debug("service '{}': heartbeat failed: {}", serviceName, e.getMessage());
      }
    }
  }

  private final Link.Owner owner =
      new Link.Owner() {
        @Override
        public void onMessage(Link link, WireMessage message) {
          try {
            dispatch(link, message);
          } catch (RuntimeException e) {
            LOG.warn("service '{}': failed to process a message", serviceName, e);
            listeners.emit(l -> l.onError(e));
          }
        }

        @Override
        public void onUndecodable(Link link, Exception error) {
          ServiceException e =
              ServiceException.of(
                  ServiceException.DESERIALIZATION_FAILED,
                  "Failed to deserialize message: " + Values.rootMessage(error),
                  error);
          LOG.warn("service '{}': {}", serviceName, e.getMessage());
          listeners.emit(l -> l.onError(e));
        }

        @Override
        public void onClosed(Link link, Throwable cause) {
          linkClosed(link, cause);
        }
      };

  private void linkClosed(Link link, Throwable cause) {
    openLinks.remove(link);
    boolean lostLast;
    synchronized (state) {
      if (links[link.index] != link) {
        return; // never installed, or already replaced by disconnect()
      }
      links[link.index] = null;
      refreshLiveLocked();
      lostLast = live.length == 0 && announcedUp;
      if (lostLast) {
        announcedUp = false;
      }
      scheduleReconnectLocked(link.index);
    }
    calls.failSentOn(
        link,
        ServiceException.CONNECTION_LOST,
        "Connection closed" + (cause == null ? "" : ": " + cause.getMessage()));
    if (cause != null) {
      LOG.debug("service '{}': connection {} lost: {}", serviceName, link.index, cause.toString());
    }
    if (lostLast) {
      listeners.emit(ServiceListener::onDisconnected);
    }
  }

  // ---------------------------------------------------------------------- incoming messages

  private void dispatch(Link link, WireMessage message) {
    String type = message.type;
    if (type == null) {
      listeners.emit(
          l ->
              l.onError(
                  ServiceException.of(
                      ServiceException.INVALID_MESSAGE, "Message missing \"type\" field")));
      return;
    }
    switch (type) {
      case "REGISTER_ACK":
        registered(link, message);
        break;
      case "RESPONSE":
        calls.onResponse(message);
        break;
      case "CALL":
        handlers.onCall(link, message);
        break;
      case "ERROR":
        onErrorFrame(link, message);
        break;
      case "CANCEL":
        handlers.onCancel(message.id);
        break;
      case "HEARTBEAT":
        break;
      default:
        listeners.emit(
            l ->
                l.onError(
                    ServiceException.of(
                        ServiceException.INVALID_MESSAGE, "Unknown message type: " + type)));
    }
  }

  private void onErrorFrame(Link link, WireMessage message) {
    String id = message.id;
    ServiceException e = Handlers.remoteError(message.error, ServiceException.INTERNAL_ERROR);
    listeners.emit(
        l -> l.onGatewayError(new ServiceListener.GatewayError(e.getMessage(), e.code(), id)));
    if (id != null && calls.fail(id, e)) {
      return;
    }
    refuseRegistration(link, e);
  }
}
