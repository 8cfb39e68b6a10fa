package io.ephemeral.spring.caller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ephemeral.broker.Broker;
import io.ephemeral.client.BrokerClient;
import io.ephemeral.client.ServicesReport;
import io.ephemeral.client.service.CallContext;
import io.ephemeral.client.service.ServiceClient;
import io.ephemeral.client.service.ServiceNotFoundException;
import io.ephemeral.spring.it.Users;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * An application that only calls, against a broker it did not start ({@code ephemeral.pipe}): it is
 * an anonymous caller, absent from the broker's services and call graph.
 */
@SpringBootTest(
    classes = CallerApplication.class,
    properties = "ephemeral.proxy-packages=io.ephemeral.spring.it")
class CallerApplicationTest {
  private static Broker broker;
  private static ServiceClient greeter;
  private static final AtomicReference<CallContext> seen = new AtomicReference<>();

  @DynamicPropertySource
  static void broker(DynamicPropertyRegistry registry) throws Exception {
    Path dir = Files.createTempDirectory("caller-app-");
    broker =
        Broker.builder()
            .environment(Map.of())
            .shutdownHook(false)
            .socketPath(dir.resolve("b.sock"))
            .build();
    Path socket = broker.start();
    greeter =
        ServiceClient.builder()
            .serviceName("greeter")
            .gateway(socket)
            .environment(Map.of())
            .build();
    greeter.registerService(
        (Greeter)
            name -> {
              seen.set(CallContext.current());
              return "hello " + name;
            });
    greeter.connect();
    registry.add("ephemeral.pipe", socket::toString);
  }

  @AfterAll
  static void stop() {
    greeter.close();
    broker.stop();
  }

  @Autowired ServiceClient client;
  @Autowired BrokerClient kv;
  @Autowired Greeter proxy;
  @Autowired Users users; // a contract from another package, by ephemeral.proxy-packages

  @Test
  void anApplicationThatOnlyCallsIsAnAnonymousCaller() {
    assertThat(client.isAnonymous()).isTrue();
    assertThat(proxy.greet("ada")).isEqualTo("hello ada");
    assertThat(seen.get().caller()).startsWith("~anonymous-");
    assertThat(seen.get().traceId()).as("the starter starts traces").hasSize(32);
    ServicesReport report = kv.services();
    assertThat(report.services())
        .extracting(ServicesReport.Service::name)
        .containsExactly("greeter");
    assertThat(report.edges()).isEmpty();
  }

  @Test
  void contractsOfOtherPackagesAreInjectableWhenListed() {
    assertThatThrownBy(() -> users.get(new Users.UserId(1)))
        .isInstanceOf(ServiceNotFoundException.class)
        .hasMessageContaining("'users'");
  }
}
