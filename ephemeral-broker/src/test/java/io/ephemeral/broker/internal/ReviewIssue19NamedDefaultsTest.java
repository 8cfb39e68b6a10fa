package io.ephemeral.broker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.ephemeral.broker.Broker;
import io.ephemeral.broker.BrokerOption;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Review issue #19: defaults such as 30000 and 10000 were bare numbers scattered through the code.
 * Each default is written once, in its BrokerOption row; this checks that those are what a broker
 * configured with nothing uses, and that they keep the Node broker's values.
 */
class ReviewIssue19NamedDefaultsTest {
  @Test
  void theNamedDefaultsAreTheOnesInEffect() {
    BrokerConfig c = BrokerConfig.resolve(Broker.builder().environment(Map.of()));
    assertThat(c.sweeperIntervalMillis())
        .isEqualTo(BrokerOption.SWEEPER_INTERVAL.defaultValue())
        .isEqualTo(30_000);
    assertThat(c.maxItems()).isEqualTo(BrokerOption.MAX_ITEMS.defaultValue()).isEqualTo(10_000);
    assertThat(c.defaultTtlMillis())
        .isEqualTo(BrokerOption.DEFAULT_TTL.defaultValue())
        .isEqualTo(1_800_000);
    assertThat(c.maxRequestSize())
        .isEqualTo(BrokerOption.MAX_REQUEST_SIZE.defaultValue())
        .isEqualTo(1 << 20);
    assertThat(c.maxValueSize())
        .isEqualTo(BrokerOption.MAX_VALUE_SIZE.defaultValue())
        .isEqualTo(256 * 1024);
    assertThat(c.compressionThreshold())
        .isEqualTo(BrokerOption.COMPRESSION_THRESHOLD.defaultValue())
        .isEqualTo(1024);
    // Our own limits, named the same way.
    assertThat(c.maxFrameSize()).isEqualTo(BrokerOption.MAX_FRAME_SIZE.defaultValue());
    assertThat(c.callTimeoutMillis()).isEqualTo(BrokerOption.CALL_TIMEOUT.defaultValue());
    assertThat(c.staleServiceTimeoutMillis())
        .isEqualTo(BrokerOption.STALE_SERVICE_TIMEOUT.defaultValue());
    assertThat(c.maxPendingCallsPerConnection())
        .isEqualTo(BrokerOption.MAX_PENDING_CALLS.defaultValue());
    assertThat(c.maxConnections()).isEqualTo(BrokerOption.MAX_CONNECTIONS.defaultValue());
  }
}
