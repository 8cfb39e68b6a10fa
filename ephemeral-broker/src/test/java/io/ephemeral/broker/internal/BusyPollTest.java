package io.ephemeral.broker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The polling window, on a clock the test moves: each yield takes as long as the test says. */
class BusyPollTest {
  private long now = 1_000_000_000L;
  private long yieldNanos;
  private int polls;

  private BusyPoll window(long micros) {
    return new BusyPoll(micros * 1000, () -> now, () -> now += yieldNanos);
  }

  private int nothingReady() {
    polls++;
    return 0;
  }

  @Test
  void onAQuietHostItPollsForTheWholeWindow() throws Exception {
    BusyPoll poll = window(50);
    yieldNanos = 1_000; // a yield with nothing else to run
    assertThat(poll.run(this::nothingReady)).isZero();
    assertThat(polls).isEqualTo(50);
    polls = 0;
    assertThat(poll.run(this::nothingReady)).isZero();
    assertThat(polls).isEqualTo(50);
    assertThat(poll.contendedWindows()).isZero();
  }

  @Test
  void itReturnsWhatIsReadyAtOnce() throws Exception {
    BusyPoll poll = window(50);
    yieldNanos = 1_000;
    int[] calls = {0};
    assertThat(poll.run(() -> ++calls[0] == 3 ? 2 : 0)).isEqualTo(2);
    assertThat(calls[0]).isEqualTo(3);
  }

  @Test
  void aYieldThatRanAnotherThreadEndsTheWindowAndPollingPausesForTheBackoff() throws Exception {
    BusyPoll poll = window(50);
    yieldNanos = 2_000_000; // another thread had the CPU for 2 ms
    assertThat(poll.run(this::nothingReady)).isZero();
    assertThat(polls).isEqualTo(1);
    assertThat(poll.contendedWindows()).isEqualTo(1);

    // Within the backoff the loop goes straight to sleep in select: no poll at all.
    yieldNanos = 1_000;
    now += BusyPoll.BACKOFF_NANOS / 2;
    assertThat(poll.run(this::nothingReady)).isZero();
    assertThat(polls).isEqualTo(1);

    // After it, polling is tried again, and a quiet host gets its whole window back.
    now += BusyPoll.BACKOFF_NANOS;
    assertThat(poll.run(this::nothingReady)).isZero();
    assertThat(polls).isEqualTo(1 + 50);
    assertThat(poll.contendedWindows()).isEqualTo(1);
  }

  @Test
  void aZeroWindowNeverPolls() throws Exception {
    assertThat(window(0).run(this::nothingReady)).isZero();
    assertThat(polls).isZero();
  }
}
