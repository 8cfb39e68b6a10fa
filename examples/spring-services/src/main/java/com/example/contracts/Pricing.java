package com.example.contracts;

import io.ephemeral.client.service.ServiceInterface;

/** The pricing service, a Node ipc-bro service: its "add" method takes {a, b}. */
@ServiceInterface("pricing")
public interface Pricing {
  int add(int a, int b);
}
