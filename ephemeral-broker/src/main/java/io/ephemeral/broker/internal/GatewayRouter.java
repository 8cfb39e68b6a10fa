package io.ephemeral.broker.internal;

import static io.ephemeral.protocol.GatewayErrorCodes.AUTH_FAILED;
import static io.ephemeral.protocol.GatewayErrorCodes.CONNECTION_FAILED;
import static io.ephemeral.protocol.GatewayErrorCodes.CONNECTION_LOST;
import static io.ephemeral.protocol.GatewayErrorCodes.DEADLINE_EXCEEDED;
import static io.ephemeral.protocol.GatewayErrorCodes.DESERIALIZATION_FAILED;
import static io.ephemeral.protocol.GatewayErrorCodes.INTERNAL_ERROR;
import static io.ephemeral.protocol.GatewayErrorCodes.INVALID_CONTEXT;
import static io.ephemeral.protocol.GatewayErrorCodes.INVALID_MESSAGE;
import static io.ephemeral.protocol.GatewayErrorCodes.MAX_DEPTH_EXCEEDED;
import static io.ephemeral.protocol.GatewayErrorCodes.MEMORY_LIMIT;
import static io.ephemeral.protocol.GatewayErrorCodes.NOT_CONNECTED;
import static io.ephemeral.protocol.GatewayErrorCodes.SERIALIZATION_FAILED;
import static io.ephemeral.protocol.GatewayErrorCodes.SERVICE_NOT_FOUND;

import io.ephemeral.broker.Clock;
import io.ephemeral.broker.ServiceInfo;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The service gateway: registry, routing and in-flight calls, owned by the event-loop thread.
 *
 * <p>Implementation notes.
 *
 * <ul>
 *   <li>Frames are routed on a few peeked fields; CALL and RESPONSE bodies are forwarded as the
 *       bytes they arrived in (transcoded only between a JSON and a MessagePack peer).
 *   <li>In-flight calls live in the callee service's {@code pending} map, keyed by call id: a
 *       RESPONSE is accepted from any connection of that service (pools answer on any socket) and
 *       goes to the connection that sent the CALL, or another connection of the caller's service if
 *       that one closed. Unknown or repeated ids are dropped, so nobody can answer a call that is
 *       not theirs.
 *   <li>Every failure to deliver a CALL is answered as an error RESPONSE with the CALL's id: the
 *       Node client then fails the call at once with the code instead of timing out.
 *   <li>Deadlines live in an {@link ExpiryHeap}: the loop wakes for the earliest and fails it.
 *   <li>A service is alive while any of its connections sent a frame within the stale timeout.
 *   <li>An anonymous caller (REGISTER with {@code anonymous: true}) gets a service entry of its own
 *       with a private identity ({@value #ANONYMOUS_PREFIX}n) that is never entered in {@code
 *       services}: it can call, but it is not listed, has no call-graph edges, and cannot be
 *       called. Names starting with {@code ~} are refused to services, so no one can take such an
 *       identity.
 *   <li>A caller that gives a call up sends CANCEL with its id: the call stops being in flight and
 *       the callee is sent CANCEL (on the connection the CALL went to, else another one of its
 *       service), as it is when the gateway fails a call at its deadline or cancels the calls of a
 *       caller that went away. Node peers ignore CANCEL.
 * </ul>
 */
final class GatewayRouter {
  static final int MAX_DEPTH = 100;

  /** How long after a call's deadline the gateway fails it itself. */
  static final long DEADLINE_GRACE_MILLIS = 250;

  /** The identities of anonymous callers start with this; no service name may. */
  static final String ANONYMOUS_PREFIX = "~anonymous-";

  private static final byte[] NO_CONTEXT = new byte[0];

  private final BrokerConfig config;
  private final Clock clock;
  private final BrokerLog log;
  private final GatewayEvents events;
  private final ConnectionControl transport;
  private final FramePeeker peeker;
  private final Transcoder transcoder;
  private final LoopState state;

  /** Why the last {@link #forward} failed. */
  private String forwardError;

  private final FrameWriter writer = new FrameWriter();
  private final FrameMessage message = new FrameMessage();
  private final LinkedHashMap<String, GatewayService> services = new LinkedHashMap<>();

  /** Estimated heap bytes of a registration beyond its strings. */
  static final int SERVICE_BYTES = 400;

  /** Estimated heap bytes of a call in flight beyond its id, method and context. */
  static final int CALL_BYTES = 200;

  private final MemoryBudget budget;

  /** Who calls whom, and each method's figures. */
  private final CallGraph graph;

  /** Verifies REGISTER's proof of the secret; null without a secret. */
  private final io.ephemeral.protocol.Hmac hmac;

  private final ExpiryHeap<PendingCall> deadlines = new ExpiryHeap<>();
  private final int maxBacklog;

  /** Anonymous callers registered so far: the number in the next one's identity. */
  private long anonymousCallers;

  GatewayRouter(
      BrokerConfig config, BrokerLog log, GatewayEvents events, ConnectionControl transport) {
    this(config, log, events, transport, new LoopState());
  }

  GatewayRouter(
      BrokerConfig config,
      BrokerLog log,
      GatewayEvents events,
      ConnectionControl transport,
      LoopState state) {
    this.config = config;
    this.state = state;
    this.budget = state.budget;
    this.graph = new CallGraph(budget);
    this.peeker = new FramePeeker(config.maxFrameDepth());
    this.hmac =
        config.secret() == null ? null : io.ephemeral.protocol.Hmac.withSecret(config.secret());
    this.transcoder = new Transcoder(config.maxFrameDepth());
    this.clock = config.clock();
    this.log = log;
    this.events = events;
    this.transport = transport;
    // A service whose connections all hold this much unsent output gets no further calls (the
    // callers are answered at once), well before its output reaches the limit that closes it.
    this.maxBacklog = Math.min(Clients.OUTPUT_HIGH_WATER * 16, config.maxOutputBuffer() / 2);
  }

  // ---- frames in ----

  /** A frame larger than the limit: refused from its header; its body is skipped unread. */
  void frameTooLarge(Connection c, long size) {
    state.limitHit(Limit.MAX_FRAME_SIZE);
    sendError(
        c,
        null,
        INVALID_MESSAGE,
        "Frame of "
            + size
            + " bytes exceeds the gateway's limit of "
            + config.maxFrameSize()
            + " bytes");
  }

  /**
   * Routes one frame. Whatever goes wrong (out of memory included) is answered with an ERROR frame
   * to the sender; it never reaches the loop.
   */
  /**
   * A frame the memory budget cannot hold: refused from its header (with its id when it was seen);
   * its body is skipped.
   */
  void frameRefused(Connection c, String id, String message) {
    sendError(c, id, MEMORY_LIMIT, message);
  }

  void onFrame(Connection c, byte[] b, int off, int len) {
    try {
      route(c, b, off, len);
    } catch (Throwable t) {
      log.error("Routing a frame failed", t);
      sendError(
          c,
          message.id,
          INTERNAL_ERROR,
          t instanceof OutOfMemoryError
              ? "The gateway ran out of memory while routing this message"
              : "The gateway could not route this message; see its log");
    }
  }

  private void route(Connection c, byte[] b, int off, int len) {
    long now = clock.millis();
    FrameProtocol f = c.frames();
    if (f.service != null) {
      f.service.lastSeen = now;
    }
    FrameMessage m = message;
    int peeked = peeker.peek(b, off, len, m);
    f.encoding = m.encoding;
    if (peeked == FramePeeker.TOO_DEEP) {
      state.limitHit(Limit.MAX_FRAME_DEPTH);
      sendError(
          c,
          null,
          DESERIALIZATION_FAILED,
          "Failed to deserialize message: it nests deeper than the gateway's limit of "
              + config.maxFrameDepth()
              + " levels");
      return;
    }
    if (peeked == FramePeeker.UNDECODABLE) {
      sendError(
          c, null, DESERIALIZATION_FAILED, "Failed to deserialize message: " + peeker.error());
      return;
    }
    if (peeked == FramePeeker.NOT_AN_OBJECT) {
      sendError(c, null, INVALID_MESSAGE, "Message is not an object");
      return;
    }
    if (m.type == null) {
      sendError(c, m.id, INVALID_MESSAGE, "Message missing \"type\" field");
      return;
    }
    if (events.logging()) {
      events.log(
          "Gateway "
              + m.type
              + " from "
              + (f.service == null ? "an unregistered connection" : f.service.name)
              + (m.id == null ? "" : " id=" + m.id));
    }
    switch (m.type) {
      case "REGISTER":
        register(c, m, now);
        break;
      case "CALL":
        call(c, m, b, off, len, now);
        break;
      case "RESPONSE":
        response(c, m, b, off, len);
        break;
      case "CANCEL":
        cancel(c, m);
        break;
      case "HEARTBEAT":
        break; // lastSeen is already refreshed; never answered
      case "ERROR":
      case "REGISTER_ACK":
        log.debug("Ignoring a client-sent frame", "type", m.type);
        break;
      default:
        sendError(c, m.id, INVALID_MESSAGE, "Unknown message type: " + m.type);
    }
  }

  private void register(Connection c, FrameMessage m, long now) {
    if (m.anonymous) {
      registerAnonymous(c, m, now);
      return;
    }
    String name = m.serviceName;
    if (name == null || name.isEmpty()) {
      sendError(c, null, INVALID_MESSAGE, "REGISTER needs a non-empty serviceName");
      return;
    }
    if (name.startsWith("~")) {
      sendError(
          c,
          null,
          INVALID_MESSAGE,
          "Service names starting with '~' are reserved for anonymous callers: '" + name + "'");
      return;
    }
    if (name.length() > config.maxKeyLength()) {
      state.limitHit(Limit.MAX_KEY_LENGTH);
      sendError(
          c,
          null,
          INVALID_MESSAGE,
          "serviceName is longer than maxKeyLength (" + config.maxKeyLength() + " characters)");
      return;
    }
    List<String> methods = m.methodsValid ? List.copyOf(m.methods) : List.of();
    GatewayService registered = c.frames().service;
    if (registered != null) {
      if (registered.name.equals(name)) {
        registered.methods = methods; // re-announcing on the same connection updates the list
        registered.methodNames = java.util.Set.copyOf(methods);
        recount(registered);
        ack(c);
      } else {
        sendError(
            c,
            null,
            INVALID_MESSAGE,
            "This connection is already registered as '" + registered.name + "'");
      }
      return;
    }
    if (hmac != null && !config.mayRegisterUnsigned(name)) {
      if (!hmac.verifyRegistrationProof(name, m.auth)) {
        log.warn("Refused a gateway registration without a valid proof", "service", name);
        refuseRegistration(
            c,
            AUTH_FAILED,
            "REGISTER of '"
                + name
                + "' refused: the broker has a secret, and this connection did not prove it holds"
                + " it (auth = HMAC of the service name; see SECURITY.md)");
        return;
      }
    }
    GatewayService s = services.get(name);
    if (s == null && !budget.fits(serviceBytes(name, methods, m.version))) {
      state.limitHit(Limit.MAX_MEMORY);
      refuseRegistration(
          c,
          MEMORY_LIMIT,
          "REGISTER of '"
              + name
              + "' refused: "
              + budget.refusal("the registration", serviceBytes(name, methods, m.version)));
      return;
    }
    if (s == null) {
      s = new GatewayService(name, m.poolMember, (int) m.poolSize, now);
      s.methods = methods;
      s.methodNames = java.util.Set.copyOf(methods);
      s.version = m.version;
      s.poolKey = m.poolKey;
      services.put(name, s);
      recount(s);
      join(s, c, m);
      ack(c);
      log.info("Service registered", "service", name, "methods", methods);
      events.serviceRegistered(name, methods);
    } else if (s.pooled && m.poolMember && s.fitsPool(m)) {
      String refusal = s.poolRefusal(m);
      if (refusal != null) {
        log.warn("Refused a pool connection", "service", name, "reason", refusal);
        refuseRegistration(c, CONNECTION_FAILED, refusal);
        return;
      }
      join(s, c, m);
      ack(c);
      log.debug("Pool connection joined", "service", name, "connections", s.connections.size());
    } else {
      // Exactly what the Node client turns into a gateway-error; the first registrant is untouched.
      refuseRegistration(c, CONNECTION_FAILED, "Service '" + name + "' is already registered");
    }
  }

  /**
   * An anonymous caller: a private identity, acknowledged, never listed or callable. With a secret
   * it proves it as a service would, with the proof of the empty name (no service can have it).
   */
  private void registerAnonymous(Connection c, FrameMessage m, long now) {
    if (c.frames().service != null) {
      sendError(
          c,
          null,
          INVALID_MESSAGE,
          "This connection is already registered as '" + c.frames().service.name + "'");
      return;
    }
    if (hmac != null && !hmac.verifyRegistrationProof("", m.auth)) {
      log.warn("Refused an anonymous caller without a valid proof");
      refuseRegistration(
          c,
          AUTH_FAILED,
          "REGISTER of an anonymous caller refused: the broker has a secret, and this connection"
              + " did not prove it holds it (auth = HMAC of the empty service name; see"
              + " SECURITY.md)");
      return;
    }
    String name = ANONYMOUS_PREFIX + ++anonymousCallers;
    long bytes = serviceBytes(name, List.of(), null);
    if (!budget.fits(bytes)) {
      state.limitHit(Limit.MAX_MEMORY);
      refuseRegistration(
          c,
          MEMORY_LIMIT,
          "REGISTER of an anonymous caller refused: " + budget.refusal("the registration", bytes));
      return;
    }
    GatewayService s = new GatewayService(name, false, 0, now, true);
    s.methods = List.of();
    s.bytes = bytes;
    budget.add(MemoryBudget.Part.GATEWAY, bytes);
    join(s, c, m);
    writer.registerAck(transport.output(c), c.frames().encoding, name);
    log.debug("Anonymous caller registered", "caller", name);
  }

  /**
   * A caller gave the call {@code m.id} to {@code m.to} up: it is no longer in flight, and its
   * callee is told. Only the connection that made the call may cancel it; anything else is dropped.
   */
  private void cancel(Connection c, FrameMessage m) {
    GatewayService callee = m.to == null ? null : services.get(m.to);
    PendingCall p = callee == null || m.id == null ? null : callee.pending.get(m.id);
    if (p == null || p.caller != c) {
      log.debug("Dropping a CANCEL for no call of this connection", "id", m.id, "to", m.to);
      return;
    }
    callee.pending.remove(p.id);
    deadlines.remove(p);
    settled(p);
    callee.errors++;
    if (!p.callerService.anonymous) {
      edge(p.callerName, callee.name).errors++;
    }
    if (config.metrics()) {
      LatencyStats stats = methodStats(p);
      if (stats != null) {
        stats.record(System.nanoTime() - p.startedNanos, true);
      }
    }
    tellCallee(p);
  }

  /** Sends CANCEL for {@code p} to its callee (best effort: a callee that left needs nothing). */
  private void tellCallee(PendingCall p) {
    Connection dst = p.delivered;
    if (dst == null || dst.frames().service != p.callee || dst.key == null || !dst.key.isValid()) {
      dst = p.callee.connections.isEmpty() ? null : p.callee.connections.get(0);
    }
    if (dst == null) {
      return;
    }
    writer.cancel(
        transport.output(dst), dst.frames().answerEncoding(), p.id, p.callerName, p.callee.name);
  }

  /** An ERROR frame, then the connection closes: a refused registration gets nothing else. */
  private void refuseRegistration(Connection c, String code, String message) {
    writer.error(transport.output(c), c.frames().encoding, null, code, message, -1);
    transport.closeAfterFlush(c);
  }

  private void join(GatewayService s, Connection c, FrameMessage m) {
    s.connections.add(c);
    c.frames().service = s;
    c.frames().poolIndex = m.poolMember ? (int) m.poolIndex : -1;
  }

  private void ack(Connection c) {
    writer.registerAck(transport.output(c), c.frames().encoding);
  }

  private void call(Connection c, FrameMessage m, byte[] b, int off, int len, long now) {
    if (m.id == null) {
      sendError(c, null, INVALID_MESSAGE, "CALL needs a string id");
      return;
    }
    GatewayService caller = c.frames().service;
    if (caller == null) {
      refuse(
          c, m, b, NOT_CONNECTED, "Register before calling: this connection has no service name");
      return;
    }
    caller.callsMade++;
    if (m.from == null || !m.from.equals(caller.name)) {
      refuse(
          c,
          m,
          b,
          INVALID_MESSAGE,
          "CALL from '" + m.from + "' on a connection registered as '" + caller.name + "'");
      return;
    }
    if (m.to == null || m.method == null) {
      refuse(c, m, b, INVALID_MESSAGE, "CALL needs a target service (to) and a method");
      return;
    }
    if (!m.hasContext || !m.contextValid) {
      refuse(
          c, m, b, INVALID_CONTEXT, "CALL needs a context object with numeric deadline and depth");
      return;
    }
    if (m.hasDeadline && m.deadline < now) {
      refuse(c, m, b, DEADLINE_EXCEEDED, "Request deadline exceeded");
      return;
    }
    if (m.hasDepth && m.depth > MAX_DEPTH) {
      refuse(c, m, b, MAX_DEPTH_EXCEEDED, "Maximum call depth exceeded");
      return;
    }
    GatewayService target = services.get(m.to);
    if (target == null) {
      refuse(c, m, b, SERVICE_NOT_FOUND, "Target service '" + m.to + "' not found");
      return;
    }
    if (target.pending.containsKey(m.id)) {
      refuse(
          c,
          m,
          b,
          INVALID_MESSAGE,
          "A call with id '" + m.id + "' to '" + m.to + "' is already in flight");
      return;
    }
    if (config.maxPendingCallsPerConnection() > 0
        && c.frames().callsInFlight >= config.maxPendingCallsPerConnection()) {
      state.limitHit(Limit.MAX_PENDING_CALLS);
      refuse(
          c,
          m,
          b,
          INTERNAL_ERROR,
          "Too many calls in flight on this connection (maxPendingCallsPerConnection = "
              + config.maxPendingCallsPerConnection()
              + ")");
      return;
    }
    Connection dst = target.nextConnection(maxBacklog);
    if (dst == null) {
      refuse(c, m, b, INTERNAL_ERROR, "Service '" + m.to + "' is not reading its calls");
      return;
    }
    long callBytes =
        CALL_BYTES
            + MemoryBudget.stringBytes(m.id.length())
            + MemoryBudget.stringBytes(m.method.length())
            + m.contextLen;
    if (!budget.fits(callBytes + len + 4)) {
      state.limitHit(Limit.MAX_MEMORY);
      refuse(
          c,
          m,
          b,
          MEMORY_LIMIT,
          "The call was refused: " + budget.refusal("it", callBytes + len + 4));
      return;
    }
    if (!forward(b, off, len, m.encoding, dst)) {
      refuse(
          c,
          m,
          b,
          SERIALIZATION_FAILED,
          "The call could not be converted for service '" + m.to + "': " + forwardError);
      return;
    }
    byte[] context =
        m.contextLen == 0
            ? NO_CONTEXT
            : Arrays.copyOfRange(b, m.contextOff, m.contextOff + m.contextLen);
    PendingCall p = new PendingCall(target, m.id, caller, m.method, c, context, m.encoding);
    p.bytes = callBytes;
    p.delivered = dst;
    budget.add(MemoryBudget.Part.GATEWAY, callBytes);
    long limit = TurnClock.deadline(now, config.callTimeoutMillis());
    // A grace period after the CALL's deadline lets the caller's own timer report first (the
    // Node client sets its timer to the same instant); the gateway then frees what is left.
    p.deadline =
        m.hasDeadline
            ? Math.min(
                limit, TurnClock.deadline((long) Math.ceil(m.deadline), DEADLINE_GRACE_MILLIS))
            : limit;
    target.pending.put(m.id, p);
    deadlines.add(p);
    p.madeNext = caller.made;
    if (caller.made != null) {
      caller.made.madePrev = p;
    }
    caller.made = p;
    c.frames().callsInFlight++;
    target.callsReceived++;
    if (!caller.anonymous) {
      edge(caller.name, target.name).calls++;
    }
    events.callRouted(caller.name, target.name, m.method, m.id);
  }

  private void response(Connection c, FrameMessage m, byte[] b, int off, int len) {
    GatewayService callee = c.frames().service;
    if (callee == null || m.id == null) {
      log.debug("Dropping a RESPONSE from an unregistered connection or without id");
      return;
    }
    PendingCall p = callee.pending.remove(m.id);
    if (p == null) {
      log.debug("Dropping a RESPONSE for no call in flight", "service", callee.name, "id", m.id);
      return;
    }
    deadlines.remove(p);
    settled(p);
    Connection dst = callerConnection(p);
    boolean converted = dst == null || forward(b, off, len, m.encoding, dst);
    boolean error = !converted || !"success".equals(m.status);
    if (error) {
      callee.errors++;
      if (!p.callerService.anonymous) {
        edge(p.callerName, callee.name).errors++;
      }
    }
    if (!converted) {
      // failPending records the call in the method figures (once, as an error).
      failPending(
          p,
          dst,
          SERIALIZATION_FAILED,
          "The response could not be converted for service '"
              + p.callerName
              + "': "
              + forwardError);
      return;
    }
    if (config.metrics()) {
      LatencyStats stats = methodStats(p);
      if (stats != null) {
        stats.record(System.nanoTime() - p.startedNanos, error);
      }
    }
    if (dst == null) {
      log.debug("Caller gone; dropping its response", "caller", p.callerName, "id", p.id);
      return;
    }
    events.responseRouted(callee.name, p.callerName, error ? "error" : "success", p.id);
  }

  // ---- connections, timers ----

  /** A gateway connection closed: drop it from its service; fail calls to a service now gone. */
  void onClose(Connection c) {
    GatewayService s = c.frames().service;
    c.frames().service = null;
    if (s == null) {
      return;
    }
    s.connections.remove(c);
    if (!s.connections.isEmpty()) {
      return; // a pool lives on: its calls are answered on its other connections
    }
    cancelCallsMadeBy(s);
    if (s.anonymous) {
      budget.add(MemoryBudget.Part.GATEWAY, -s.bytes);
      s.bytes = 0;
    }
    if (services.get(s.name) != s) {
      return;
    }
    services.remove(s.name);
    budget.add(MemoryBudget.Part.GATEWAY, -s.bytes);
    s.bytes = 0;
    log.info("Service disconnected", "service", s.name, "pendingCalls", s.pending.size());
    for (PendingCall p : new ArrayList<>(s.pending.values())) {
      deadlines.remove(p);
      settled(p);
      s.errors++;
      if (!p.callerService.anonymous) {
        edge(p.callerName, s.name).errors++;
      }
      failPending(p, callerConnection(p), CONNECTION_LOST, "Service '" + s.name + "' disconnected");
    }
    s.pending.clear();
    events.serviceDisconnected(s.name);
  }

  /**
   * The calls a service that is gone made are cancelled: dropped from their callees' calls in
   * flight, so a late answer is dropped too, never delivered to whoever registers the name next;
   * each callee is sent CANCEL (Node peers ignore it).
   */
  private void cancelCallsMadeBy(GatewayService s) {
    int cancelled = 0;
    while (s.made != null) {
      PendingCall p = s.made;
      p.callee.pending.remove(p.id);
      deadlines.remove(p);
      settled(p);
      tellCallee(p);
      cancelled++;
    }
    if (cancelled > 0) {
      log.debug(
          "Cancelled the calls of a caller that went away", "service", s.name, "calls", cancelled);
    }
  }

  /** Milliseconds epoch of the next call deadline, or Long.MAX_VALUE. */
  long nextDeadline() {
    PendingCall p = deadlines.peek();
    return p == null ? Long.MAX_VALUE : p.deadline;
  }

  /** Fails every call whose deadline has passed (the gateway enforces deadlines itself). */
  void expireCalls(long now) {
    PendingCall p;
    while ((p = deadlines.pollDue(now)) != null) {
      p.callee.pending.remove(p.id);
      settled(p);
      p.callee.errors++;
      if (!p.callerService.anonymous) {
        edge(p.callerName, p.callee.name).errors++;
      }
      failPending(p, callerConnection(p), DEADLINE_EXCEEDED, "Request deadline exceeded");
      tellCallee(p);
    }
  }

  /** Closes the connections of services that sent nothing for longer than the stale timeout. */
  void evictStale(long now) {
    long limit = config.staleServiceTimeoutMillis();
    for (GatewayService s : new ArrayList<>(services.values())) {
      if (now - s.lastSeen > limit) {
        log.warn("Evicting a stale service", "service", s.name, "silentMs", now - s.lastSeen);
        events.error(
            "Service '"
                + s.name
                + "' sent nothing for "
                + (now - s.lastSeen)
                + " ms and was evicted");
        for (Connection c : new ArrayList<>(s.connections)) {
          transport.close(c);
        }
      }
    }
  }

  int pendingCalls() {
    return deadlines.size();
  }

  void clear() {
    services.clear();
    graph.clear();
    budget.add(MemoryBudget.Part.GATEWAY, -budget.used(MemoryBudget.Part.GATEWAY));
    deadlines.clear();
  }

  // ---- introspection ----

  List<String> serviceNames() {
    return List.copyOf(services.keySet());
  }

  ServiceInfo info(String name) {
    GatewayService s = services.get(name);
    if (s == null) {
      return null;
    }
    return new ServiceInfo(
        s.name,
        s.methods,
        s.connections.size(),
        s.connectedAt,
        s.lastSeen,
        s.version,
        s.callsReceived,
        s.callsMade,
        s.errors,
        s.pending.size());
  }

  List<ServiceInfo> infos() {
    List<ServiceInfo> out = new ArrayList<>(services.size());
    for (String name : services.keySet()) {
      out.add(info(name));
    }
    return out;
  }

  /** Observed calls between services: from, to, calls, errors. */
  List<CallGraph.Edge> edges() {
    return graph.edges();
  }

  private CallGraph.Edge edge(String from, String to) {
    return graph.edge(from, to);
  }

  private static long serviceBytes(String name, List<String> methods, String version) {
    long bytes = SERVICE_BYTES + MemoryBudget.stringBytes(name.length());
    for (String m : methods) {
      bytes += 2 * MemoryBudget.stringBytes(m.length()); // in the list and in the set
    }
    return bytes + (version == null ? 0 : MemoryBudget.stringBytes(version.length()));
  }

  /** Counts a registration again after its method list changed. */
  private void recount(GatewayService s) {
    long bytes = serviceBytes(s.name, s.methods, s.version);
    budget.add(MemoryBudget.Part.GATEWAY, bytes - s.bytes);
    s.bytes = bytes;
  }

  private void settled(PendingCall p) {
    if (p.caller.frames().callsInFlight > 0) {
      p.caller.frames().callsInFlight--;
    }
    budget.add(MemoryBudget.Part.GATEWAY, -p.bytes);
    p.bytes = 0;
    GatewayService s = p.callerService;
    if (p.madePrev != null) {
      p.madePrev.madeNext = p.madeNext;
    } else if (s.made == p) {
      s.made = p.madeNext;
    }
    if (p.madeNext != null) {
      p.madeNext.madePrev = p.madePrev;
    }
    p.madePrev = null;
    p.madeNext = null;
  }

  /**
   * Where the answer to p goes: its calling connection, else another one of the caller's service.
   */
  private Connection callerConnection(PendingCall p) {
    GatewayService s = p.callerService;
    if (p.caller.frames().service == s && p.caller.key != null && p.caller.key.isValid()) {
      return p.caller;
    }
    return services.get(s.name) == s && !s.connections.isEmpty() ? s.connections.get(0) : null;
  }

  private boolean forward(byte[] b, int off, int len, FrameMessage.Encoding enc, Connection dst) {
    ByteOutput out = transport.output(dst);
    int mark = out.mark();
    try {
      if (dst.frames().encoding == enc) {
        out.writeInt(len).write(b, off, len);
      } else {
        transcoder.transcode(b, off, len, enc, dst.frames().encoding, out);
      }
    } catch (Transcoder.TooDeepException e) {
      out.truncate(mark);
      state.limitHit(Limit.MAX_FRAME_DEPTH);
      forwardError = e.getMessage();
      return false;
    } catch (IOException | RuntimeException e) {
      out.truncate(mark);
      log.warn("Could not convert a frame between encodings", "error", e.getMessage());
      forwardError = "it is not valid " + enc.name().toLowerCase(java.util.Locale.ROOT);
      return false;
    } catch (OutOfMemoryError e) {
      out.truncate(mark);
      forwardError = "the gateway ran out of memory";
      return false;
    }
    return true;
  }

  /** Answers a CALL that the gateway will not deliver. */
  private void refuse(Connection c, FrameMessage m, byte[] b, String code, String message) {
    FrameProtocol f = c.frames();
    if (f.service != null) {
      f.service.errors++; // the call graph records delivered calls only: names here are unchecked
    }
    writer.errorResponse(
        transport.output(c),
        f.encoding,
        m.id,
        m.to,
        m.from,
        code,
        message,
        b,
        m.contextOff,
        m.contextLen);
    events.responseRouted(m.to, m.from, "error", m.id);
  }

  private LatencyStats methodStats(PendingCall p) {
    return graph.methodStats(p.callee.name, p.callee.methodNames, p.method);
  }

  /** Per service and method ("service\nmethod" keys). */
  Map<String, LatencyStats> methodStats() {
    return graph.methodStats();
  }

  private void failPending(PendingCall p, Connection dst, String code, String message) {
    if (config.metrics()) {
      LatencyStats stats = methodStats(p);
      if (stats != null) {
        stats.record(System.nanoTime() - p.startedNanos, true);
      }
    }
    if (dst == null) {
      return;
    }
    FrameMessage.Encoding enc = dst == p.caller ? p.callerEncoding : dst.frames().encoding;
    byte[] context = enc == p.callerEncoding ? p.context : NO_CONTEXT;
    writer.errorResponse(
        transport.output(dst),
        enc,
        p.id,
        p.callee.name,
        p.callerName,
        code,
        message,
        context,
        0,
        context.length);
    events.responseRouted(p.callee.name, p.callerName, "error", p.id);
  }

  private void sendError(Connection c, String id, String code, String message) {
    writer.error(
        transport.output(c), c.frames().answerEncoding(), id, code, message, clock.millis());
    events.error(message);
  }

  /** Snapshot of the registry for the services action: name → info, plus the edges. */
  Map<String, ServiceInfo> snapshot() {
    Map<String, ServiceInfo> out = new LinkedHashMap<>();
    for (String name : services.keySet()) {
      out.put(name, info(name));
    }
    return out;
  }
}
