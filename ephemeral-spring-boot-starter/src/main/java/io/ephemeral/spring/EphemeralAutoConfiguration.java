package io.ephemeral.spring;

import io.ephemeral.client.BrokerClient;
import io.ephemeral.client.service.CallInterceptor;
import io.ephemeral.client.service.Jackson2Values;
import io.ephemeral.client.service.Jackson3Values;
import io.ephemeral.client.service.ServeInterceptor;
import io.ephemeral.client.service.ServiceClient;
import io.ephemeral.client.service.ServiceListener;
import io.ephemeral.client.service.TraceContext;
import io.ephemeral.client.service.ValueMapper;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * Auto-configuration of the broker's clients for Spring Boot 3.5 and 4: a {@link BrokerClient}, a
 * {@link ServiceClient} (named by {@code ephemeral.service-name} or by the contracts of the
 * application's {@link BrokerService} beans, else an anonymous caller) that serves those beans and
 * whose values are mapped by the application's own Jackson mapper (Jackson 3 on Boot 4, Jackson 2
 * on Boot 3), proxies of the {@code @ServiceInterface} interfaces in the application's packages, an
 * optional embedded broker, a health indicator, Micrometer meters and trace ids in the logs.
 */
@AutoConfiguration(
    afterName = {
      "org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration",
      "org.springframework.boot.autoconfigure.jackson.JacksonAutoConfiguration",
      "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
      "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration",
      "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
      "org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration"
    })
@EnableConfigurationProperties(EphemeralProperties.class)
@Import({
  EphemeralAutoConfiguration.Embedded.class,
  EphemeralAutoConfiguration.TraceIds.class,
  EphemeralAutoConfiguration.Jackson3Mapper.class,
  EphemeralAutoConfiguration.Jackson2Mapper.class,
  EphemeralAutoConfiguration.Metrics.class,
  EphemeralAutoConfiguration.Boot4HealthIndicator.class,
  EphemeralAutoConfiguration.Boot3HealthIndicator.class,
  ServiceInterfaceProxies.class
})
public class EphemeralAutoConfiguration {

  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  BrokerPipe ephemeralBrokerPipe(
      EphemeralProperties properties, ObjectProvider<EmbeddedBroker> embedded) {
    return BrokerPipe.resolve(properties, embedded.getIfAvailable(), System.getenv());
  }

  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  BrokerClient ephemeralBrokerClient(EphemeralProperties properties, BrokerPipe pipe) {
    return BrokerClient.builder().pipe(pipe.path()).timeout(properties.getTimeout()).build();
  }

  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  ServiceClient ephemeralServiceClient(
      EphemeralProperties properties,
      BrokerPipe pipe,
      ConfigurableListableBeanFactory beans,
      ObjectProvider<ValueMapper> valueMapper,
      ObjectProvider<CallInterceptor> callInterceptors,
      ObjectProvider<ServeInterceptor> serveInterceptors,
      ObjectProvider<ServiceListener> listeners) {
    ServiceClient.Builder b =
        ServiceClient.builder()
            .gateway(pipe.path())
            .timeout(properties.getTimeout())
            .serializer(properties.getSerializer())
            .valueMapper(valueMapper.getIfAvailable(ValueMapper::forClassPath));
    String name = ServiceNames.of(properties, beans);
    if (name != null) {
      b.serviceName(name);
    }
    callInterceptors.orderedStream().forEach(b::interceptor);
    serveInterceptors.orderedStream().forEach(b::serveInterceptor);
    listeners.orderedStream().forEach(b::listener);
    return b.build();
  }

  @Bean
  ServiceLifecycle ephemeralServiceLifecycle(
      ServiceClient client, ApplicationContext context, BrokerPipe pipe) {
    return new ServiceLifecycle(client, context, pipe);
  }

  @Bean
  ServiceHealth ephemeralServiceHealth(
      BrokerClient broker, ServiceClient service, ServiceLifecycle lifecycle, BrokerPipe pipe) {
    return new ServiceHealth(broker, service, lifecycle, pipe);
  }

  /** Trace ids: started for calls that have none, and put into the MDC of served calls. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnProperty(
      prefix = "ephemeral",
      name = "trace-ids",
      havingValue = "true",
      matchIfMissing = true)
  static class TraceIds {
    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE)
    CallInterceptor ephemeralTracePropagation() {
      return TraceContext.propagator();
    }

    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE)
    ServeInterceptor ephemeralTraceIdLogging() {
      return new TraceIdLogging();
    }
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnProperty(prefix = "ephemeral", name = "embedded", havingValue = "true")
  @ConditionalOnClass(name = "io.ephemeral.broker.Broker")
  static class Embedded {
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    EmbeddedBroker ephemeralEmbeddedBroker(EphemeralProperties properties) throws IOException {
      return EmbeddedBroker.start(properties.getPipe());
    }
  }

  /** Boot 4: the application's Jackson 3 mapper maps the values of calls. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "tools.jackson.databind.ObjectMapper")
  static class Jackson3Mapper {
    @Bean
    @ConditionalOnMissingBean(ValueMapper.class)
    @ConditionalOnBean(type = "tools.jackson.databind.ObjectMapper")
    ValueMapper ephemeralValueMapper(tools.jackson.databind.ObjectMapper mapper) {
      return Jackson3Values.of(mapper);
    }
  }

  /** Boot 3: the application's Jackson 2 mapper maps the values of calls. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "com.fasterxml.jackson.databind.ObjectMapper")
  static class Jackson2Mapper {
    @Bean
    @ConditionalOnMissingBean(ValueMapper.class)
    @ConditionalOnBean(type = "com.fasterxml.jackson.databind.ObjectMapper")
    ValueMapper ephemeralValueMapper(com.fasterxml.jackson.databind.ObjectMapper mapper) {
      return Jackson2Values.of(mapper);
    }
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
  @ConditionalOnBean(type = "io.micrometer.core.instrument.MeterRegistry")
  static class Metrics {
    @Bean
    ServiceMetrics ephemeralServiceMetrics(
        MeterRegistry registry,
        EphemeralProperties properties,
        ConfigurableListableBeanFactory beans) {
      String name = ServiceNames.of(properties, beans);
      return new ServiceMetrics(registry, name == null ? "(anonymous)" : name);
    }

    @Bean
    @ConditionalOnProperty(prefix = "ephemeral", name = "embedded", havingValue = "true")
    BrokerMetrics ephemeralBrokerMetrics(
        ObjectProvider<EmbeddedBroker> broker, BrokerClient client) {
      return new BrokerMetrics(broker.getObject(), client);
    }
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
  static class Boot4HealthIndicator {
    @Bean
    Boot4Health ephemeralHealthIndicator(ServiceHealth health) {
      return new Boot4Health(health);
    }
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.actuate.health.HealthIndicator")
  @ConditionalOnMissingClass("org.springframework.boot.health.contributor.HealthIndicator")
  static class Boot3HealthIndicator {
    @Bean
    Boot3Health ephemeralHealthIndicator(ServiceHealth health) {
      return new Boot3Health(health);
    }
  }
}
