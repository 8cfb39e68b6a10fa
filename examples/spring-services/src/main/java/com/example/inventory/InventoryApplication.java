package com.example.inventory;

import com.example.contracts.Inventory;
import io.ephemeral.client.service.CallContext;
import io.ephemeral.spring.BrokerService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The inventory service: serves {@link Inventory}. */
@SpringBootApplication
public class InventoryApplication {
  public static void main(String[] args) {
    SpringApplication.run(InventoryApplication.class, args);
  }

  @BrokerService
  static class InventoryService implements Inventory {
    private static final Logger LOG = LoggerFactory.getLogger(InventoryService.class);

    @Override
    public Reservation reserve(String item, int quantity) {
      LOG.info("reserving {} x {}", quantity, item);
      return new Reservation(item, quantity, 7);
    }

    @Override
    public String audit(String item) {
      LOG.info("audit of {} started", item);
      try {
        Thread.sleep(60_000); // a blocking handler: its thread is interrupted when cancelled
      } catch (InterruptedException e) {
        LOG.info(
            "audit of {} cancelled: the caller gave up (cancelled={})",
            item,
            CallContext.current().isCancelled());
        Thread.currentThread().interrupt();
        return "cancelled";
      }
      return "audited " + item;
    }
  }
}
