package com.example.orders;

import com.example.contracts.Inventory;
import com.example.contracts.Orders;
import com.example.contracts.Pricing;
import io.ephemeral.client.service.CallTimeoutException;
import io.ephemeral.spring.BrokerService;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The orders service: serves {@link Orders}, calls inventory (Java) and pricing (Node). */
@SpringBootApplication
public class OrdersApplication {
  public static void main(String[] args) {
    SpringApplication.run(OrdersApplication.class, args);
  }

  @BrokerService
  static class OrdersService implements Orders {
    private static final Logger LOG = LoggerFactory.getLogger(OrdersService.class);
    private final Inventory inventory;
    private final Pricing pricing;
    private final AtomicInteger ids = new AtomicInteger();

    OrdersService(Inventory inventory, Pricing pricing) { // injected proxies
      this.inventory = inventory;
      this.pricing = pricing;
    }

    @Override
    public Order place(String item, int quantity) {
      LOG.info("placing an order of {} x {}", quantity, item);
      Inventory.Reservation r = inventory.reserve(item, quantity);
      int total = pricing.add(r.unitPrice() * quantity, 5); // shipping, priced by Node
      Order order = new Order("order-" + ids.incrementAndGet(), item, quantity, total);
      LOG.info("placed {} for a total of {}", order.id(), total);
      return order;
    }

    @Override
    public String checkout(String item) {
      LOG.info("checking out {}: asking inventory for an audit", item);
      try {
        return inventory.audit(item);
      } catch (CallTimeoutException e) {
        LOG.info("gave up on the audit of {} ({}): checking out without it", item, e.code());
        return "checked out " + item + " without an audit";
      }
    }

    @Override
    public String status(String orderId) {
      LOG.info("status of {} asked", orderId);
      return orderId + " is placed";
    }
  }
}
