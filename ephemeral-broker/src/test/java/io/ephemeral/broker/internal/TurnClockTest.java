package io.ephemeral.broker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.ephemeral.broker.Clock;
import io.ephemeral.broker.ManualClock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TurnClockTest {

  @Test
  void readsTheSourceOncePerTurnAndOnlyWhenAsked() {
    ManualClock source = new ManualClock(1_000L);
    AtomicInteger reads = new AtomicInteger();
    Clock counting =
        () -> {
          reads.incrementAndGet();
          return source.millis();
        };
    TurnClock time = new TurnClock(counting);

    time.tick();
    assertThat(reads).hasValue(0); // a turn that handles no request never reads the clock
    assertThat(time.millis()).isEqualTo(1_000L);
    source.advance(Duration.ofMillis(5));
    assertThat(time.millis()).isEqualTo(1_000L); // the same turn: the same millisecond
    assertThat(reads).hasValue(1);

    time.tick();
    assertThat(time.millis()).isEqualTo(1_005L);
    assertThat(reads).hasValue(2);
  }

  @Test
  void jumpListenersGoToTheSourceClock() {
    ManualClock source = new ManualClock(0L);
    TurnClock time = new TurnClock(source);
    AtomicInteger jumps = new AtomicInteger();
    Runnable listener = jumps::incrementAndGet;
    time.addJumpListener(listener);
    source.advance(Duration.ofMillis(1));
    time.removeJumpListener(listener);
    source.advance(Duration.ofMillis(1));
    assertThat(jumps).hasValue(1);
  }
}
