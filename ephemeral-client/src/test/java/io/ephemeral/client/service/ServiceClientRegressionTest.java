package io.ephemeral.client.service;

import static io.ephemeral.client.service.GatewayFixture.await;
import static io.ephemeral.client.service.ScriptedGateway.obj;
import static io.ephemeral.client.service.ScriptedGateway.response;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Known defects of the original {@code ipc-bro} client that the other service tests do not already
 * pin down, one test per defect, named after its number in docs/regressions.md (clientBugN). The
 * client talks to a scripted gateway on a real socket.
 */
class ServiceClientRegressionTest {
  private static final Duration WAIT = Duration.ofSeconds(5);

  private final ScriptedGateway gateway = ScriptedGateway.open();
  private final List<ServiceClient> clients = new ArrayList<>();

  @AfterEach
  void closeEverything() throws IOException {
    clients.forEach(ServiceClient::close);
    gateway.close();
    GatewayFixture.assertNoServiceThreadsLeft();
  }

  private ServiceClient client(String name, ServiceListener listener) {
    ServiceClient.Builder b = gateway.client(name);
    if (listener != null) {
      b.listener(listener);
    }
    ServiceClient c = b.build();
    clients.add(c);
    return c;
  }

  private Peer connect(ServiceClient c) throws Exception {
    return gateway.connect(c, WAIT);
  }

  /** Reconnects after the test closed the client's connection. */
  private Peer reconnected(ServiceClient c) throws Exception {
    Peer again = gateway.acceptRegistered(WAIT);
    await("reconnected", WAIT, c::isConnected);
    return again;
  }

  private static JsonNode incomingCall(String id, String method) {
    return ScriptedGateway.call(id, "X", "B", method, System.currentTimeMillis() + 60_000, 2);
  }

  /** Refers to itself, so it cannot be mapped to JSON. */
  public static final class Loop {
    public Loop self = this;
  }

  @Test
  void clientBug3_aCallThatCannotBeSentLeavesNoPendingCallAndNoTimer() throws Exception {
    ServiceClient c = client("A", null);
    Peer p = connect(c);
    int idle = c.scheduledTasks();
    CompletableFuture<JsonNode> f = c.callAsync("B", "m", new Loop(), JsonNode.class);
    ExecutionException e =
        catchThrowableOfType(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
    assertThat(((ServiceException) e.getCause()).code())
        .isEqualTo(ServiceException.SERIALIZATION_FAILED);
    assertThat(c.getStatus().pendingCalls()).isZero();
    assertThat(c.scheduledTasks()).as("no timer armed for a call never sent").isEqualTo(idle);
    // Nothing reached the wire: the next frame the gateway sees is the next call.
    c.callAsync("B", "next", null, JsonNode.class);
    assertThat(p.read("CALL", WAIT).message().get("method").asText()).isEqualTo("next");
  }

  @Test
  void clientBug4_aResponseFinishedAfterItsConnectionClosedGoesOutOnTheNewConnection()
      throws Exception {
    List<ServiceListener.MethodExecuted> executed = new CopyOnWriteArrayList<>();
    ServiceClient c =
        client(
            "B",
            new ServiceListener() {
              @Override
              public void onMethodExecuted(MethodExecuted event) {
                executed.add(event);
              }
            });
    CompletableFuture<String> result = new CompletableFuture<>();
    c.registerMethod("slow", (params, ctx) -> result);
    Peer p = connect(c);
    p.send(incomingCall("r1", "slow"));
    await("the handler to start", WAIT, () -> result.getNumberOfDependents() > 0);
    p.close();
    Peer again = reconnected(c);
    result.complete("late"); // sending on the closed connection fails inside the client, not here
    JsonNode answer = again.read("RESPONSE", WAIT).message();
    assertThat(answer.get("id").asText()).isEqualTo("r1");
    assertThat(answer.get("data").asText()).isEqualTo("late");
    await("method-executed", WAIT, () -> !executed.isEmpty());
    assertThat(executed.get(0).success()).isTrue();
  }

  @Test
  void clientBug5_aPartialFrameFromALostConnectionIsNotCarriedIntoTheNextOne() throws Exception {
    ServiceClient c = client("B", null);
    c.registerMethod("echo", (params, ctx) -> "fine");
    Peer p = connect(c);
    // A header announcing 100 bytes and only 10 of them, then the connection is lost.
    p.sendBytes(ByteBuffer.allocate(14).putInt(100).put("{\"type\":\"C".getBytes()).array());
    p.close();
    Peer again = reconnected(c);
    again.send(incomingCall("r1", "echo"));
    JsonNode answer = again.read("RESPONSE", WAIT).message();
    assertThat(answer.get("id").asText()).isEqualTo("r1");
    assertThat(answer.get("data").asText()).isEqualTo("fine");
  }

  @Test
  void clientBug6_aListenerThatThrowsEverywhereCostsNothing() throws Exception {
    // Every callback throws, including any added to the interface later.
    ServiceListener hostile =
        (ServiceListener)
            Proxy.newProxyInstance(
                ServiceListener.class.getClassLoader(),
                new Class<?>[] {ServiceListener.class},
                (proxy, method, args) -> {
                  if (method.getDeclaringClass() == Object.class) {
                    return method.getName().equals("equals")
                        ? proxy == args[0]
                        : method.getName().equals("hashCode")
                            ? System.identityHashCode(proxy)
                            : "hostile listener";
                  }
                  throw new IllegalStateException("listener fails in " + method.getName());
                });
    ServiceClient c = client("B", hostile);
    c.registerMethod("echo", (params, ctx) -> "fine");
    Peer p = connect(c);
    p.send(
        obj(
            "type",
            "ERROR",
            "error",
            obj("message", "something", "code", "INTERNAL_ERROR"),
            "timestamp",
            1));
    p.send(incomingCall("r1", "echo"));
    assertThat(p.read("RESPONSE", WAIT).message().get("data").asText()).isEqualTo("fine");
    CompletableFuture<JsonNode> out = c.callAsync("X", "m", null, JsonNode.class);
    p.send(response(p.read("CALL", WAIT).message(), "success", 7));
    assertThat(out.get(5, TimeUnit.SECONDS).asInt()).isEqualTo(7);
    assertThat(c.isConnected()).isTrue();
  }

  @Test
  void clientBug7_cancellingAnAsyncCallGivesItUp() throws Exception {
    ServiceClient c = client("A", null);
    Peer p = connect(c);
    int idle = c.scheduledTasks();
    CompletableFuture<JsonNode> f = c.callAsync("B", "m", null, JsonNode.class);
    JsonNode call = p.read("CALL", WAIT).message();
    assertThat(c.getStatus().pendingCalls()).isEqualTo(1);
    assertThat(f.cancel(true)).isTrue();
    await("the call to be forgotten", WAIT, () -> c.getStatus().pendingCalls() == 0);
    await("its timer to be cancelled", WAIT, () -> c.scheduledTasks() == idle);
    p.send(response(call, "success", 1)); // late: dropped without harm
    CompletableFuture<JsonNode> next = c.callAsync("B", "m", null, JsonNode.class);
    p.send(response(p.read("CALL", WAIT).message(), "success", 2));
    assertThat(next.get(5, TimeUnit.SECONDS).asInt()).isEqualTo(2);
  }

  @Test
  void clientBug7_requestIdsAreUniqueWithinAClientByConstruction() {
    Ids ids = new Ids();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 200_000; i++) {
      assertThat(seen.add(ids.request())).isTrue();
    }
  }
}
