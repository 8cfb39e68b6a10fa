package io.ephemeral.client;

import java.util.List;

/**
 * The broker's answer to {@code services}: who is registered on its gateway and the call graph it
 * has observed.
 *
 * @param services the registered services
 * @param edges calls between services since the broker started
 */
public record ServicesReport(List<Service> services, List<Edge> edges) {

  /**
   * One registered service.
   *
   * @param name registered name
   * @param methods methods it announced
   * @param connections connections registered under the name (a pool has several)
   * @param connectedAt epoch ms of its registration
   * @param lastHeartbeat epoch ms of the last frame from any of its connections
   * @param callsReceived calls delivered to it
   * @param callsMade calls it sent
   * @param errors failed calls to it
   * @param pending calls to it awaiting a response
   */
  public record Service(
      String name,
      List<String> methods,
      int connections,
      long connectedAt,
      long lastHeartbeat,
      long callsReceived,
      long callsMade,
      long errors,
      int pending) {}

  /**
   * Calls from one service to another.
   *
   * @param from the calling service
   * @param to the called service
   * @param calls how many calls
   * @param errors how many of them failed
   */
  public record Edge(String from, String to, long calls, long errors) {}
}
