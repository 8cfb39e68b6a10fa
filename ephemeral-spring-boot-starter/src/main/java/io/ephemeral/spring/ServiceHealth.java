package io.ephemeral.spring;

import io.ephemeral.client.BrokerClient;
import io.ephemeral.client.service.ServiceClient;
import io.ephemeral.client.service.ServiceStatus;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the health indicator reports (one for each Spring Boot line): up when the broker answers a
 * ping and the service client is connected (once it was started); the pipe, the service, its
 * connections and its calls in flight as details.
 */
record ServiceHealth(
    BrokerClient broker, ServiceClient service, ServiceLifecycle lifecycle, BrokerPipe pipe) {

  /** The details; {@code up} says whether all is well. */
  Map<String, Object> check() {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("pipe", pipe.path().toString());
    boolean up = true;
    try {
      broker.ping();
      d.put("broker", "answering");
    } catch (RuntimeException e) {
      d.put("broker", "not answering: " + e.getMessage());
      up = false;
    }
    ServiceStatus s = service.getStatus();
    d.put("service", service.isAnonymous() ? "(anonymous caller)" : s.serviceName());
    d.put("connections", s.liveConnections() + " of " + s.poolSize());
    d.put("pendingCalls", s.pendingCalls());
    if (lifecycle.isRunning() && !s.connected()) {
      up = false;
    }
    d.put("up", up);
    return d;
  }
}
