package io.ephemeral.client.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A small routing gateway with the semantics of ours (in-flight calls tracked by callee and id,
 * routing failures answered as error RESPONSEs, CONNECTION_LOST when the callee's last
 * connection closes, transcoding between encodings). It lets the client's behaviour be pinned
 * down independently of the broker, and records every frame it receives.
 */
final class RoutingGateway extends ScriptedGateway {
  final List<Peer.Frame> received = new CopyOnWriteArrayList<>();

  RoutingGateway() throws IOException {
    this(new Router());
  }

  private RoutingGateway(Router router) throws IOException {
    super(router);
    router.received = received;
  }

  private static final class Router implements java.util.function.BiConsumer<Peer, Peer.Frame> {
    private final Map<String, List<Peer>> services = new HashMap<>();
    private final Map<String, Peer> inflight = new HashMap<>(); // callee + '\0' + id -> caller
    private final Map<String, JsonNode> calls = new HashMap<>();
    private int roundRobin;
    List<Peer.Frame> received;

    @Override
    public synchronized void accept(Peer peer, Peer.Frame frame) {
      if (frame == null) {
        closed(peer);
        return;
      }
      received.add(frame);
      JsonNode m = frame.message();
      switch (m.path("type").asText()) {
        case "REGISTER":
          {
            String name = m.path("serviceName").asText();
            List<Peer> conns = services.get(name);
            if (conns != null && !m.path("metadata").path("poolIndex").isNumber()) {
              peer.send(
                  obj(
                      "type", "ERROR",
                      "error",
                      obj(
                          "message", "Service '" + name + "' is already registered",
                          "code", "CONNECTION_FAILED")));
              peer.close();
              return;
            }
            services.computeIfAbsent(name, k -> new ArrayList<>()).add(peer);
            peer.name = name;
            peer.send(obj("type", "REGISTER_ACK"));
            return;
          }
        case "CALL":
          {
            String to = m.path("to").asText();
            JsonNode ctx = m.path("context");
            if (peer.name == null) {
              peer.send(routingError(m, "NOT_CONNECTED", "Service not registered"));
            } else if (ctx.path("deadline").asLong() < System.currentTimeMillis()) {
              peer.send(routingError(m, "DEADLINE_EXCEEDED", "Request deadline exceeded"));
            } else if (ctx.path("depth").asInt() > 100) {
              peer.send(routingError(m, "MAX_DEPTH_EXCEEDED", "Maximum call depth exceeded"));
            } else if (!services.containsKey(to)) {
              peer.send(
                  routingError(m, "SERVICE_NOT_FOUND", "Target service '" + to + "' not found"));
            } else {
              List<Peer> conns = services.get(to);
              Peer target = conns.get(Math.floorMod(roundRobin++, conns.size()));
              inflight.put(to + '\0' + m.path("id").asText(), peer);
              calls.put(to + '\0' + m.path("id").asText(), m);
              target.send(m);
            }
            return;
          }
        case "RESPONSE":
          {
            String key = peer.name + '\0' + m.path("id").asText();
            Peer caller = inflight.remove(key);
            calls.remove(key);
            if (caller != null) {
              caller.send(m);
            }
            return;
          }
        default:
          // HEARTBEAT and anything else: ignored
      }
    }

    private void closed(Peer peer) {
      if (peer.name == null) {
        return;
      }
      List<Peer> conns = services.get(peer.name);
      if (conns == null || !conns.remove(peer) || !conns.isEmpty()) {
        return;
      }
      services.remove(peer.name);
      String prefix = peer.name + '\0';
      for (String key : new ArrayList<>(inflight.keySet())) {
        if (key.startsWith(prefix)) {
          Peer caller = inflight.remove(key);
          JsonNode call = calls.remove(key);
          caller.send(routingError(call, "CONNECTION_LOST", "Service '" + peer.name + "' disconnected"));
        }
      }
    }

    private static ObjectNode routingError(JsonNode call, String code, String message) {
      return response(call, "error", obj("message", message, "code", code));
    }
  }
}
