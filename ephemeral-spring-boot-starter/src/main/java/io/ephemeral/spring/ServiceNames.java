package io.ephemeral.spring;

import io.ephemeral.client.service.ServiceInterface;
import java.util.LinkedHashSet;
import java.util.Set;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.util.ClassUtils;

/** What the {@code @BrokerService} beans of an application serve, read from their types. */
final class ServiceNames {
  private ServiceNames() {}

  /**
   * The service names of the {@code @ServiceInterface}s the {@code @BrokerService} beans implement.
   */
  static Set<String> served(ListableBeanFactory beans) {
    Set<String> names = new LinkedHashSet<>();
    for (String bean : beans.getBeanNamesForAnnotation(BrokerService.class)) {
      Class<?> type = beans.getType(bean, false);
      if (type != null) {
        for (Class<?> i : ClassUtils.getAllInterfacesForClassAsSet(type)) {
          ServiceInterface s = i.getAnnotation(ServiceInterface.class);
          if (s != null) {
            names.add(s.value());
          }
        }
      }
    }
    return names;
  }

  /**
   * The application's service name: the property if set, else the one name its
   * {@code @BrokerService} beans serve, else {@code null} (an anonymous caller).
   *
   * @throws IllegalStateException if the beans serve several services and no name is set
   */
  static String of(EphemeralProperties properties, ListableBeanFactory beans) {
    if (properties.getServiceName() != null && !properties.getServiceName().isEmpty()) {
      return properties.getServiceName();
    }
    Set<String> served = served(beans);
    if (served.size() > 1) {
      throw new IllegalStateException(
          "The @BrokerService beans implement the contracts of several services "
              + served
              + "; one application registers one service: set ephemeral.service-name");
    }
    return served.isEmpty() ? null : served.iterator().next();
  }
}
