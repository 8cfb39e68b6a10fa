package io.ephemeral.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.ephemeral.broker.Broker;
import io.ephemeral.client.BrokerClient;
import io.ephemeral.client.service.ServiceClient;
import io.ephemeral.client.service.ServiceInterface;
import io.ephemeral.client.service.ValueMapper;
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
                    ctx, "set ephemeral.pipe or EPHEMERAL_PIPE", "ephemeral.embedded=true"));
  }

  @Test
  void aScopeWithoutAPipeIsRefusedWithTheReason() {
    runner
        .withPropertyValues("ephemeral.scope=build-1")
        .run(ctx -> failsSaying(ctx, "ephemeral.scope is set (build-1)"));
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
