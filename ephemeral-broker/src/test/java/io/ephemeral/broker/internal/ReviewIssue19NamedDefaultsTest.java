package io.ephemeral.broker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.ephemeral.broker.Broker;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Review issue #19: defaults such as 30000 and 10000 were bare numbers scattered through the code.
 * Each default is a named constant of BrokerConfig; this checks that those constants are what a
 * broker configured with nothing uses, and that they keep the Node broker's values.
 */
class ReviewIssue19NamedDefaultsTest {
  @Test
  void theNamedDefaultsAreTheOnesInEffect() {
    BrokerConfig c = BrokerConfig.resolve(Broker.builder().environment(Map.of()));
    assertThat(c.sweeperIntervalMillis())
        .isEqualTo(BrokerConfig.DEFAULT_SWEEPER_INTERVAL_MILLIS)
        .isEqualTo(30_000);
    assertThat(c.maxItems()).isEqualTo(BrokerConfig.DEFAULT_MAX_ITEMS).isEqualTo(10_000);
    assertThat(c.defaultTtlMillis())
        .isEqualTo(BrokerConfig.DEFAULT_TTL_MILLIS)
        .isEqualTo(1_800_000);
    assertThat(c.maxRequestSize())
        .isEqualTo(BrokerConfig.DEFAULT_MAX_REQUEST_SIZE)
        .isEqualTo(1 << 20);
    assertThat(c.maxValueSize())
        .isEqualTo(BrokerConfig.DEFAULT_MAX_VALUE_SIZE)
        .isEqualTo(256 * 1024);
    assertThat(c.compressionThreshold())
        .isEqualTo(BrokerConfig.DEFAULT_COMPRESSION_THRESHOLD)
        .isEqualTo(1024);
    // Our own limits, named the same way.
    assertThat(c.maxFrameSize()).isEqualTo(BrokerConfig.DEFAULT_MAX_FRAME_SIZE);
    assertThat(c.callTimeoutMillis()).isEqualTo(BrokerConfig.DEFAULT_CALL_TIMEOUT_MILLIS);
    assertThat(c.staleServiceTimeoutMillis())
        .isEqualTo(BrokerConfig.DEFAULT_STALE_SERVICE_TIMEOUT_MILLIS);
    assertThat(c.maxPendingCallsPerConnection()).isEqualTo(BrokerConfig.DEFAULT_MAX_PENDING_CALLS);
    assertThat(c.maxConnections()).isEqualTo(BrokerConfig.DEFAULT_MAX_CONNECTIONS);
  }
}
