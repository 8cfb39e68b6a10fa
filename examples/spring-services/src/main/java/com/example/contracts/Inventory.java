package com.example.contracts;

import io.ephemeral.client.service.ServiceInterface;

/** The inventory service (another Spring Boot application). */
@ServiceInterface("inventory")
public interface Inventory {
  Reservation reserve(String item, int quantity);

  /** Takes a minute, unless cancelled. */
  String audit(String item);

  record Reservation(String item, int quantity, int unitPrice) {}
}
