package io.ephemeral.broker.internal;

/** Warns once each time the store passes 90 % of maxItems (and again after it dropped below). */
final class CapacityWarning {
  private boolean warned;

  void check(long items, int maxItems, BrokerLog log) {
    if (maxItems > 0 && items * 10L >= maxItems * 9L) {
      if (!warned) {
        warned = true;
        log.warn("Store near capacity", "items", items, "maxItems", maxItems);
      }
    } else {
      warned = false;
    }
  }
}
