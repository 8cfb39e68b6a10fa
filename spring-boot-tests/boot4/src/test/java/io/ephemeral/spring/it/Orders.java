package io.ephemeral.spring.it;

import io.ephemeral.client.service.ServiceInterface;
import java.util.concurrent.CompletableFuture;

/** Another service's contract, called by the test application through an injected proxy. */
@ServiceInterface("orders")
public interface Orders {
  String place(String item, String forService);

  CompletableFuture<Integer> count();

  /** Never answers. */
  String hang();
}
