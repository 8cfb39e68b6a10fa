package io.ephemeral.client.service;

import java.nio.file.Path;
import java.util.List;

/**
 * A snapshot of a {@link ServiceClient}.
 *
 * @param serviceName the service's name
 * @param connected whether at least one connection is registered
 * @param gateway the gateway's socket path
 * @param registeredMethods the methods this service serves, in registration order
 * @param pendingCalls this client's calls waiting for a response
 * @param poolSize the configured number of connections
 * @param liveConnections the connections currently registered
 * @param reconnectAttempts reconnect attempts since the connections were last all up
 */
public record ServiceStatus(
    String serviceName,
    boolean connected,
    Path gateway,
    List<String> registeredMethods,
    int pendingCalls,
    int poolSize,
    int liveConnections,
    int reconnectAttempts) {}
