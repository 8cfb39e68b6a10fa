package io.ephemeral.spring.caller;

import io.ephemeral.client.service.ServiceInterface;

/** A service the caller application calls and does not serve. */
@ServiceInterface("greeter")
public interface Greeter {
  String greet(String name);
}
