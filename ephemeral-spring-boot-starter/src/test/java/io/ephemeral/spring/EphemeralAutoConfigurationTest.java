package io.ephemeral.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.ephemeral.broker.Broker;
import io.ephemeral.client.BrokerClient;
import io.ephemeral.client.BrokerScope;
import io.ephemeral.client.service.ServiceClient;
import io.ephemeral.client.service.ServiceInterface;
import io.ephemeral.client.service.ValueMapper;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The auto-configuration's choices and refusals, in plain application contexts (the Spring Boot
 * tests of both Boot lines are in spring-boot-tests).
 */
class EphemeralAutoConfigurationTest {
  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(EphemeralAutoConfiguration.class));

  @ServiceInterface("alpha")
  public interface Alpha {
    int a();
  }

  @ServiceInterface("beta")
  public interface Beta {
    int b();
  }

  @BrokerService
  static class AlphaAndBeta implements Alpha, Beta {
    @Override
    public int a() {
      return 1;
    }

    @Override
    public int b() {
      return 2;
    }
  }

  @Configuration
  static class Both {
    @Bean
    AlphaAndBeta both() {
      return new AlphaAndBeta();
    }
  }

  private static void failsSaying(AssertableApplicationContext ctx, String... phrases) {
    assertThat(ctx).hasFailed();
    for (String phrase : phrases) {
      assertThat(ctx.getStartupFailure()).rootCause().hasMessageContaining(phrase);
    }
  }

  @Test
  void withoutABrokerTheContextFailsNamingWhatToSet() {
    runner
        .withPropertyValues("ephemeral.pipe=")
        .run(
            ctx ->
                failsSaying(
                    ctx,
                    "set ephemeral.pipe or EPHEMERAL_PIPE",
                    "ephemeral.scope",
                    "ephemeral.embedded=true"));
  }

  @Test
  void applicationsOfOneScopeShareItsBrokerWhichEndsAfterTheLastLeft() {
    String scope = "starter-test-" + UUID.randomUUID();
    ApplicationContextRunner inScope = runner.withPropertyValues("ephemeral.scope=" + scope);
    long[] pid = new long[1];
    inScope.run(
        first -> {
          assertThat(first).hasNotFailed();
          BrokerPipe pipe = first.getBean(BrokerPipe.class);
          assertThat(pipe.scoped().started()).as("the first application starts it").isTrue();
          assertThat(pipe.path()).isEqualTo(BrokerScope.named(scope).socket());
          assertThat(pipe.source()).startsWith("ephemeral.scope").contains(scope);
          pid[0] = pipe.scoped().pid();
          assertThat(pid[0]).isNotEqualTo(ProcessHandle.current().pid());
          first.getBean(BrokerClient.class).set("token", "t-1", Duration.ofMinutes(1));
          inScope.run(
              second -> {
                assertThat(second).hasNotFailed();
                BrokerPipe found = second.getBean(BrokerPipe.class);
                assertThat(found.scoped().started()).as("the second finds it").isFalse();
                assertThat(found.scoped().pid()).isEqualTo(pid[0]);
                assertThat(second.getBean(BrokerClient.class).get("token", String.class))
                    .isEqualTo("t-1");
              });
          assertThat(first.getBean(BrokerClient.class).ping())
              .as("the broker outlives the second application")
              .isPositive();
        });
    // It ends by itself (5 s after its last client left); give a busy machine 30 s.
    ProcessHandle broker = ProcessHandle.of(pid[0]).orElse(null);
    if (broker != null) {
      assertThat(broker.onExit()).succeedsWithin(Duration.ofSeconds(30));
    }
    assertThat(BrokerScope.named(scope).find()).as("nothing serves the scope").isEmpty();
  }

  @Test
  void anEmbeddedBrokerNeedsTheBrokerOnTheClassPath() {
    runner
        .withPropertyValues("ephemeral.embedded=true")
        .withClassLoader(new FilteredClassLoader(Broker.class))
        .run(ctx -> failsSaying(ctx, "needs io.ephemeral:ephemeral-broker on the class path"));
  }

  @Test
  void anEmbeddedBrokerServesTheClientsAndCloses() {
    Broker[] broker = new Broker[1];
    runner
        .withPropertyValues("ephemeral.embedded=true", "ephemeral.service-name=alone")
        .run(
            ctx -> {
              assertThat(ctx).hasNotFailed();
              EmbeddedBroker embedded = ctx.getBean(EmbeddedBroker.class);
              broker[0] = embedded.broker();
              assertThat(ctx.getBean(BrokerPipe.class).path()).isEqualTo(embedded.socketPath());
              assertThat(ctx.getBean(BrokerClient.class).ping()).isPositive();
              ServiceClient service = ctx.getBean(ServiceClient.class);
              assertThat(service.serviceName()).isEqualTo("alone");
              assertThat(service.isConnected()).as("connected once the context started").isTrue();
              assertThat(ctx)
                  .as("no Jackson mapper bean: the default is used")
                  .doesNotHaveBean(ValueMapper.class);
            });
    assertThat(broker[0].isRunning()).as("stopped with the context").isFalse();
  }

  @BrokerService
  static class AlphaService implements Alpha {
    @Override
    public int a() {
      return 1;
    }
  }

  @Configuration
  static class OnlyAlpha {
    @Bean
    AlphaService alpha() {
      return new AlphaService();
    }
  }

  @Test
  void anApplicationThatServesIsKeptRunningUntilItsContextCloses() {
    runner
        .withPropertyValues("ephemeral.embedded=true")
        .withUserConfiguration(OnlyAlpha.class)
        .run(
            ctx -> {
              assertThat(ctx.getBean(ServiceClient.class).serviceName())
                  .as("named after the contract its bean implements")
                  .isEqualTo("alpha");
              assertThat(keepAlive()).as("a non-daemon thread keeps the JVM up").isTrue();
            });
    long end = System.nanoTime() + 10_000_000_000L;
    while (keepAlive() && System.nanoTime() < end) {
      Thread.onSpinWait();
    }
    assertThat(keepAlive()).as("gone once the context closed").isFalse();
  }

  private static boolean keepAlive() {
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.getName().equals("ephemeral-keep-alive") && t.isAlive() && !t.isDaemon());
  }

  @Test
  void beansServingSeveralServicesNeedAServiceName() {
    runner
        .withPropertyValues("ephemeral.embedded=true")
        .withUserConfiguration(Both.class)
        .run(
            ctx ->
                failsSaying(ctx, "several services [alpha, beta]", "set ephemeral.service-name"));
  }
}
