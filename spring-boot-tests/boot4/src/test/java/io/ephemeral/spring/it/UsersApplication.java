package io.ephemeral.spring.it;

import io.ephemeral.client.service.CallContext;
import io.ephemeral.client.service.ServiceException;
import io.ephemeral.spring.BrokerService;
import org.slf4j.MDC;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** A Spring Boot application that serves {@link Users} and calls {@link Orders}. */
@SpringBootApplication
public class UsersApplication {

  /** The service, registered because of {@link BrokerService}. */
  @BrokerService
  static class UsersService implements Users {
    private final Orders orders;

    UsersService(Orders orders) { // the injected proxy
      this.orders = orders;
    }

    @Override
    public User get(UserId userId) {
      return new User(userId.userId(), "user " + userId.userId());
    }

    @Override
    public String order(String item) {
      return orders.place(item, "users");
    }

    @Override
    public void fail() {
      throw new ServiceException("E_NO_SUCH_THING", "there is no such thing");
    }

    @Override
    public Trace trace() {
      return new Trace(MDC.get("traceId"), CallContext.current().traceId());
    }
  }
}
