package com.example.contracts;

import io.ephemeral.client.service.ServiceInterface;

/** The orders service (a Spring Boot application). */
@ServiceInterface("orders")
public interface Orders {
  Order place(String item, int quantity);

  /** Checks out after an audit by inventory, which takes too long: the audit is cancelled. */
  String checkout(String item);

  /** Called by the Node pricing service. */
  String status(String orderId);

  record Order(String id, String item, int quantity, int total) {}
}
