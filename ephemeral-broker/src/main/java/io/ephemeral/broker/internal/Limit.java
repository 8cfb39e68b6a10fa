package io.ephemeral.broker.internal;

import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.ephemeral.broker.BrokerOption;

/**
 * The limits on what arrives from the wire, each counted when it is hit ({@code
 * ephemeral_broker_limit_rejections_total{limit="<label>"}}). The label is the option's name, so a
 * counter points straight at the setting to look at.
 */
enum Limit {
  MAX_CONNECTIONS(BrokerOption.MAX_CONNECTIONS),
  MAX_REQUEST_SIZE(BrokerOption.MAX_REQUEST_SIZE),
  MAX_VALUE_SIZE(BrokerOption.MAX_VALUE_SIZE),
  MAX_KEY_LENGTH(BrokerOption.MAX_KEY_LENGTH),
  MAX_NESTING_DEPTH(BrokerOption.MAX_NESTING_DEPTH),
  MAX_NUMBER_LENGTH(BrokerOption.MAX_NUMBER_LENGTH),
  MAX_STRING_LENGTH(BrokerOption.MAX_STRING_LENGTH),
  MAX_FRAME_SIZE(BrokerOption.MAX_FRAME_SIZE),
  MAX_FRAME_DEPTH(BrokerOption.MAX_FRAME_DEPTH),
  MAX_PENDING_CALLS(BrokerOption.MAX_PENDING_CALLS),
  MAX_LEASE_WAITERS(BrokerOption.MAX_LEASE_WAITERS),
  MAX_OUTPUT_BUFFER(BrokerOption.MAX_OUTPUT_BUFFER),
  STALL_TIMEOUT(BrokerOption.STALL_TIMEOUT),
  CONNECTION_IDLE_TIMEOUT(BrokerOption.CONNECTION_IDLE_TIMEOUT),
  REPLAY_CACHE_SIZE(BrokerOption.REPLAY_CACHE_SIZE),
  MAX_MEMORY(BrokerOption.MAX_MEMORY);

  static final Limit[] ALL = values();

  final String label;

  Limit(BrokerOption option) {
    this.label = option.optionName();
  }

  /** Which limit Jackson's constraint exception is about (its message names the getter). */
  static Limit of(StreamConstraintsException e) {
    String m = String.valueOf(e.getOriginalMessage());
    if (m.contains("NestingDepth")) {
      return MAX_NESTING_DEPTH;
    }
    if (m.contains("NumberLength")) {
      return MAX_NUMBER_LENGTH;
    }
    return MAX_STRING_LENGTH;
  }
}
