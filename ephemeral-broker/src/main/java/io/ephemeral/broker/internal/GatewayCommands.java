package io.ephemeral.broker.internal;

import io.ephemeral.broker.ServiceInfo;

/**
 * KV-protocol actions about the gateway: {@code services} answers the registry (who is registered,
 * with which methods and connections, last heartbeat, call counts) and the observed call graph (who
 * calls whom, how often, how many errors).
 */
final class GatewayCommands {
  private final GatewayRouter router;

  GatewayCommands(GatewayRouter router) {
    this.router = router;
  }

  void registerAll(CommandTable table) {
    table.add(new Command("services", null, null, Command.Ttl.IGNORED, false, this::services));
  }

  private void services(Request r, Reply reply) {
    ByteOutput out = reply.ok();
    out.ascii(",\"services\":[");
    boolean first = true;
    for (ServiceInfo s : router.infos()) {
      if (!first) {
        out.write((byte) ',');
      }
      first = false;
      out.ascii("{\"name\":").jsonString(s.name());
      out.ascii(",\"methods\":[");
      for (int i = 0; i < s.methods().size(); i++) {
        if (i > 0) {
          out.write((byte) ',');
        }
        out.jsonString(s.methods().get(i));
      }
      out.ascii("],\"connections\":").number(s.connections());
      out.ascii(",\"connectedAt\":").number(s.connectedAt());
      out.ascii(",\"lastHeartbeat\":").number(s.lastHeartbeat());
      out.ascii(",\"version\":");
      if (s.version() == null) {
        out.ascii("null");
      } else {
        out.jsonString(s.version());
      }
      out.ascii(",\"calls\":{\"received\":").number(s.callsReceived());
      out.ascii(",\"made\":").number(s.callsMade());
      out.ascii(",\"errors\":").number(s.errors()).write((byte) '}');
      out.ascii(",\"pending\":").number(s.pendingCalls()).write((byte) '}');
    }
    out.ascii("],\"edges\":[");
    first = true;
    for (CallGraph.Edge e : router.edges()) {
      if (!first) {
        out.write((byte) ',');
      }
      first = false;
      out.ascii("{\"from\":").jsonString(e.from).ascii(",\"to\":").jsonString(e.to);
      out.ascii(",\"calls\":")
          .number(e.calls)
          .ascii(",\"errors\":")
          .number(e.errors)
          .write((byte) '}');
    }
    out.write((byte) ']');
    reply.end();
  }
}
