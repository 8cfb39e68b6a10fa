package io.ephemeral.broker.internal;

/**
 * The limits on what arrives from the wire, each counted when it is hit ({@code
 * ephemeral_broker_limit_rejections_total{limit="<label>"}}). The label is the option's name, so a
 * counter points straight at the setting to look at.
 */
enum Limit {
  MAX_CONNECTIONS("maxConnections"),
  MAX_REQUEST_SIZE("maxRequestSize"),
  MAX_VALUE_SIZE("maxValueSize"),
  MAX_KEY_LENGTH("maxKeyLength"),
  MAX_NESTING_DEPTH("maxNestingDepth"),
  MAX_NUMBER_LENGTH("maxNumberLength"),
  MAX_STRING_LENGTH("maxStringLength"),
  MAX_FRAME_SIZE("maxFrameSize"),
  MAX_FRAME_DEPTH("maxFrameDepth"),
  MAX_PENDING_CALLS("maxPendingCallsPerConnection"),
  MAX_LEASE_WAITERS("maxLeaseWaiters"),
  MAX_OUTPUT_BUFFER("maxOutputBuffer"),
  STALL_TIMEOUT("stallTimeout"),
  CONNECTION_IDLE_TIMEOUT("connectionIdleTimeout"),
  REPLAY_CACHE_SIZE("replayCacheSize"),
  MAX_MEMORY("maxMemory");

  static final Limit[] ALL = values();

  final String label;

  Limit(String label) {
    this.label = label;
  }
}
