package io.ephemeral.spring;

import io.ephemeral.client.service.ServiceClient;
import io.ephemeral.client.service.ServiceInterface;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfigurationPackages;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.ResourceLoaderAware;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ResourceLoader;
import org.springframework.core.type.AnnotationMetadata;
import org.springframework.core.type.filter.AnnotationTypeFilter;
import org.springframework.util.ClassUtils;

/**
 * Makes every {@link ServiceInterface} interface in the application's packages (those of its
 * {@code @SpringBootApplication}) and in the packages of {@code ephemeral.proxy-packages} (for
 * contracts shared in a library) injectable: a bean named after the interface whose instance is
 * {@link ServiceClient#proxy}. An interface that one of the application's own
 * {@code @BrokerService} beans implements is left to that bean, so injecting it finds the local
 * implementation, not a proxy calling itself through the broker.
 */
final class ServiceInterfaceProxies
    implements ImportBeanDefinitionRegistrar,
        BeanFactoryAware,
        EnvironmentAware,
        ResourceLoaderAware {
  private BeanFactory beanFactory;
  private Environment environment;
  private ResourceLoader resourceLoader;

  @Override
  public void setBeanFactory(BeanFactory beanFactory) {
    this.beanFactory = beanFactory;
  }

  @Override
  public void setEnvironment(Environment environment) {
    this.environment = environment;
  }

  @Override
  public void setResourceLoader(ResourceLoader resourceLoader) {
    this.resourceLoader = resourceLoader;
  }

  @Override
  public void registerBeanDefinitions(
      AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
    List<String> packages = new ArrayList<>();
    if (AutoConfigurationPackages.has(beanFactory)) {
      packages.addAll(AutoConfigurationPackages.get(beanFactory));
    }
    String[] extra = environment.getProperty("ephemeral.proxy-packages", String[].class);
    if (extra != null) {
      packages.addAll(Arrays.asList(extra));
    }
    ClassPathScanningCandidateComponentProvider scanner =
        new ClassPathScanningCandidateComponentProvider(false, environment) {
          @Override
          protected boolean isCandidateComponent(
              org.springframework.beans.factory.annotation.AnnotatedBeanDefinition bean) {
            return bean.getMetadata().isInterface() && bean.getMetadata().isIndependent();
          }
        };
    scanner.setResourceLoader(resourceLoader);
    scanner.addIncludeFilter(new AnnotationTypeFilter(ServiceInterface.class, true, true));
    ClassLoader loader = resourceLoader.getClassLoader();
    for (String pkg : packages) {
      for (BeanDefinition candidate : scanner.findCandidateComponents(pkg)) {
        Class<?> type = ClassUtils.resolveClassName(candidate.getBeanClassName(), loader);
        String name = type.getName();
        if (registry.containsBeanDefinition(name) || implementedLocally(type, registry, loader)) {
          continue;
        }
        registry.registerBeanDefinition(name, proxyDefinition(type));
      }
    }
  }

  private <T> RootBeanDefinition proxyDefinition(Class<T> type) {
    RootBeanDefinition proxy = new RootBeanDefinition(type);
    proxy.setTargetType(type);
    proxy.setInstanceSupplier(() -> beanFactory.getBean(ServiceClient.class).proxy(type));
    proxy.setDescription("proxy of @ServiceInterface " + type.getName());
    return proxy;
  }

  /** Whether a {@code @BrokerService} bean of the application implements {@code type}. */
  private static boolean implementedLocally(
      Class<?> type, BeanDefinitionRegistry registry, ClassLoader loader) {
    for (String name : registry.getBeanDefinitionNames()) {
      String className = registry.getBeanDefinition(name).getBeanClassName();
      if (className == null || !ClassUtils.isPresent(className, loader)) {
        continue;
      }
      Class<?> bean = ClassUtils.resolveClassName(className, loader);
      if (bean.isAnnotationPresent(BrokerService.class) && type.isAssignableFrom(bean)) {
        return true;
      }
    }
    return false;
  }
}
