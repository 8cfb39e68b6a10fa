package io.ephemeral.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ephemeral.protocol.Hmac;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Custom actions, interceptors and value providers. */
class ExtensibilityTest {

  @Test
  void customActionsAnswerWithTheirMembers() throws Exception {
    try (BrokerFixture f =
        new BrokerFixture(
            b ->
                b.action("echo", req -> "{\"got\":" + req.json() + "}")
                    .action(
                        "fail",
                        req -> {
                          throw new ActionHandler.ActionException(
                              "nope", "this action always fails");
                        })
                    .action("broken", req -> "not json"))) {
      assertThat(f.call("{\"action\":\"echo\",\"x\":[1,2]}"))
          .isEqualTo("{\"ok\":true,\"got\":{\"action\":\"echo\",\"x\":[1,2]}}");
      assertThat(f.call("{\"action\":\"fail\",\"id\":3}"))
          .isEqualTo(
              "{\"ok\":false,\"error\":\"nope\",\"message\":\"this action always fails\",\"id\":3}");
      assertThat(f.callJson("{\"action\":\"broken\"}").get("error").asText())
          .isEqualTo("internal_error");
      assertThat(f.call("{\"action\":\"ping\"}")).startsWith("{\"ok\":true");
    }
  }

  @Test
  void customActionsPassTheSameChecksAsBuiltIns() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    try (BrokerFixture f =
        new BrokerFixture(
            b ->
                b.secret("s")
                    .maxRequestSize(256)
                    .action(
                        "count",
                        req -> {
                          runs.incrementAndGet();
                          return null;
                        }))) {
      assertThat(f.call("{\"action\":\"count\"}"))
          .isEqualTo("{\"ok\":false,\"error\":\"auth_failed\"}");
      String signed =
          new String(
              Hmac.withSecret("s")
                  .signRequest("{\"action\":\"count\"}".getBytes(StandardCharsets.UTF_8)),
              StandardCharsets.UTF_8);
      assertThat(f.call(signed)).isEqualTo("{\"ok\":true}");
      assertThat(f.call("{\"action\":\"count\",\"pad\":\"" + "x".repeat(300) + "\"}"))
          .isEqualTo("{\"ok\":false,\"error\":\"too_large\"}");
      assertThat(runs.get()).isEqualTo(1);
    }
  }

  @Test
  void actionsCanBeRegisteredWhileRunningButNotTwice() throws Exception {
    try (BrokerFixture f = new BrokerFixture()) {
      assertThat(f.call("{\"action\":\"late\"}"))
          .isEqualTo("{\"ok\":false,\"error\":\"unknown_action\"}");
      f.broker.register("late", req -> "{\"here\":true}");
      assertThat(f.call("{\"action\":\"late\"}")).isEqualTo("{\"ok\":true,\"here\":true}");
      assertThatThrownBy(() -> f.broker.register("late", req -> null))
          .hasMessageContaining("already defined");
      assertThatThrownBy(() -> f.broker.register("get", req -> null))
          .hasMessageContaining("already defined");
    }
    assertThatThrownBy(() -> Broker.builder().action("set", req -> null))
        .hasMessageContaining("already defined");
  }

  @Test
  void interceptorsRunInOrderAndCanRejectOrAnnotate() throws Exception {
    List<String> seen = new CopyOnWriteArrayList<>();
    Interceptor first =
        new Interceptor() {
          @Override
          public Rejection before(ActionRequest r) {
            seen.add("first " + r.action());
            if ("del".equals(r.action())) {
              return new Rejection("forbidden", "deleting is not allowed here");
            }
            r.attribute("tenant", "t1");
            return null;
          }

          @Override
          public void after(ActionRequest r, String error) {
            seen.add("after-first " + r.action() + " " + error);
          }
        };
    Interceptor second =
        r -> {
          seen.add("second " + r.action() + " " + r.attribute("tenant"));
          r.annotate("tenant", "\"" + r.attribute("tenant") + "\"");
          return null;
        };
    try (BrokerFixture f =
        new BrokerFixture(b -> b.secret("s").intercept(first).intercept(second))) {
      Hmac hmac = Hmac.withSecret("s");
      String ping =
          new String(
              hmac.signRequest("{\"action\":\"ping\",\"id\":1}".getBytes(StandardCharsets.UTF_8)),
              StandardCharsets.UTF_8);
      assertThat(f.call(ping))
          .matches("\\{\"ok\":true,\"pong\":\\d+,\"id\":1,\"tenant\":\"t1\"\\}");
      String del =
          new String(
              hmac.signRequest(
                  "{\"action\":\"del\",\"key\":\"k\"}".getBytes(StandardCharsets.UTF_8)),
              StandardCharsets.UTF_8);
      assertThat(f.call(del))
          .isEqualTo(
              "{\"ok\":false,\"error\":\"forbidden\",\"message\":\"deleting is not allowed here\"}");
      // The built-in authentication runs first: an unsigned request never reaches user
      // interceptors.
      assertThat(f.call("{\"action\":\"ping\"}"))
          .isEqualTo("{\"ok\":false,\"error\":\"auth_failed\"}");
      assertThat(seen)
          .containsExactly(
              "first ping",
              "second ping t1",
              "after-first ping null",
              "first del",
              "after-first del forbidden");
    }
  }

  @Test
  void aProviderRunsOnceForManyConcurrentGets() throws Exception {
    AtomicInteger loads = new AtomicInteger();
    CountDownLatch release = new CountDownLatch(1);
    try (BrokerFixture f =
        new BrokerFixture(
            b ->
                b.provide(
                    "token:*",
                    key -> {
                      loads.incrementAndGet();
                      if (!release.await(30, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("test never released the provider");
                      }
                      return new ValueProvider.Provided(
                          "{\"token\":\"" + key + "-secret\"}", Duration.ofMinutes(5));
                    }))) {
      List<WireClient> clients = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        WireClient c = f.client();
        c.send("{\"action\":\"get\",\"key\":\"token:api\",\"id\":" + i + "}\n");
        clients.add(c);
      }
      f.sync(); // all 50 gets are waiting for the one run
      release.countDown();
      for (int i = 0; i < 50; i++) {
        assertThat(clients.get(i).readLine())
            .isEqualTo(
                "{\"ok\":true,\"value\":{\"token\":\"token:api-secret\"},\"compressed\":false,\"id\":"
                    + i
                    + "}");
      }
      assertThat(loads.get()).isEqualTo(1);
      // Stored with its TTL: later gets are plain hits.
      assertThat(f.call("{\"action\":\"get\",\"key\":\"token:api\"}")).contains("token:api-secret");
      assertThat(loads.get()).isEqualTo(1);
      assertThat(f.call("{\"action\":\"get\",\"key\":\"other\"}"))
          .isEqualTo("{\"ok\":false,\"error\":\"not_found\"}");
      f.clock.advance(Duration.ofMinutes(5));
      assertThat(f.call("{\"action\":\"get\",\"key\":\"token:api\"}")).contains("token:api-secret");
      assertThat(loads.get()).as("expired, so loaded again").isEqualTo(2);
    }
  }

  @Test
  void aFailingProviderAnswersEachWaiterAndIsNotCached() throws Exception {
    AtomicInteger loads = new AtomicInteger();
    try (BrokerFixture f =
        new BrokerFixture(
            b ->
                b.provide(
                    "*",
                    key -> {
                      if (loads.incrementAndGet() == 1) {
                        throw new java.io.IOException("upstream down");
                      }
                      return new ValueProvider.Provided("42", Duration.ofMinutes(1));
                    }))) {
      var r = f.callJson("{\"action\":\"get\",\"key\":\"answer\"}");
      assertThat(r.get("error").asText()).isEqualTo("provider_failed");
      assertThat(r.get("message").asText()).contains("upstream down");
      assertThat(f.call("{\"action\":\"get\",\"key\":\"answer\"}"))
          .isEqualTo("{\"ok\":true,\"value\":42,\"compressed\":false}");
      assertThat(loads.get()).isEqualTo(2);
    }
  }
}
