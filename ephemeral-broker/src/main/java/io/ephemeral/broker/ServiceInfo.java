package io.ephemeral.broker;

import java.util.List;

/**
 * A registered service as the gateway sees it.
 *
 * @param name the registered name
 * @param methods the methods it announced (informational: calls to others are still delivered)
 * @param connections how many connections are registered under the name (a pool has several)
 * @param connectedAt epoch ms of its first registration
 * @param lastHeartbeat epoch ms of the last frame from any of its connections
 * @param version the version it announced
 * @param callsReceived CALLs delivered to it
 * @param callsMade CALLs it sent
 * @param errors error RESPONSEs it answered, plus calls to it that failed in the gateway
 * @param pendingCalls calls to it awaiting a response
 */
public record ServiceInfo(
    String name,
    List<String> methods,
    int connections,
    long connectedAt,
    long lastHeartbeat,
    String version,
    long callsReceived,
    long callsMade,
    long errors,
    int pendingCalls) {}
