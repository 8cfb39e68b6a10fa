package io.ephemeral.client.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ephemeral.client.BrokerClient;
import io.ephemeral.client.ServicesReport;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Clients without a service name, through the real gateway. */
class AnonymousCallerTest {
  @RegisterExtension final Gateways gateways = Gateways.real();

  @ServiceInterface("echo")
  public interface Echo {
    String echo(String text);
  }

  private ServiceClient anonymous() {
    ServiceClient c = gateways.anonymous();
    c.connect();
    return c;
  }

  @Test
  void anonymousCallersCallButAreNotServicesAndCannotBeCalled() {
    AtomicReference<CallContext> seen = new AtomicReference<>();
    ServiceClient echo = gateways.client("echo").build();
    gateways.track(echo);
    echo.registerService(
        (Echo)
            text -> {
              seen.set(CallContext.current());
              return text;
            });
    echo.connect();
    // Four processes' worth of callers, no names to pick and nothing to collide.
    List<ServiceClient> callers = List.of(anonymous(), anonymous(), anonymous(), anonymous());

    for (ServiceClient c : callers) {
      assertThat(c.proxy(Echo.class).echo("hi")).isEqualTo("hi");
    }
    String caller = seen.get().caller();
    assertThat(caller).startsWith("~anonymous-");
    BrokerClient kv = BrokerClient.builder().pipe(gateways.socket()).environment(Map.of()).build();
    gateways.track(kv);
    ServicesReport report = kv.services();
    assertThat(report.services()).extracting(ServicesReport.Service::name).containsExactly("echo");
    assertThat(report.edges()).as("no call-graph node for anonymous callers").isEmpty();
    assertThatThrownBy(() -> echo.call(caller, "anything", null, Object.class))
        .isInstanceOf(ServiceNotFoundException.class);
  }
}
