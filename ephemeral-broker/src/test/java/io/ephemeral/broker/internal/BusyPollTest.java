package io.ephemeral.broker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The polling window, on a clock the test moves: each yield takes as long as the test says. */
class BusyPollTest {
  private long now = 1_000_000_000L;
  private long yieldNanos = 1_000; // a yield with nothing else to run
  private int polls;

  private BusyPoll window(long micros) {
    return new BusyPoll(micros * 1000, () -> now, () -> now += yieldNanos);
  }

  private int nothingReady() {
    polls++;
    return 0;
  }

  @Test
  void itReturnsWhatIsReadyAtOnceAndKeepsItsWindow() throws Exception {
    BusyPoll poll = window(50);
    int[] calls = {0};
    assertThat(poll.run(() -> ++calls[0] == 3 ? 2 : 0)).isEqualTo(2);
    assertThat(calls[0]).isEqualTo(3);
    assertThat(poll.windowNanos()).isEqualTo(50_000);
  }

  @Test
  void aWindowThatFindsNothingHalvesUntilItIsGoneAndWorkSoonAfterSleepGrowsItBack()
      throws Exception {
    BusyPoll poll = window(50);
    assertThat(poll.run(this::nothingReady)).isZero();
    assertThat(polls).isEqualTo(50); // the whole window, one poll per 1 µs yield
    assertThat(poll.windowNanos()).isEqualTo(25_000);
    for (int i = 0; i < 10; i++) {
      poll.run(this::nothingReady);
    }
    assertThat(poll.windowNanos()).isZero();
    polls = 0;
    assertThat(poll.run(this::nothingReady)).isZero();
    assertThat(polls).as("no window, no poll").isZero();

    // Work arrived 30 µs into a sleep: a window would have caught it.
    poll.sleptFor(30_000);
    assertThat(poll.windowNanos()).isEqualTo(BusyPoll.GROW_FROM_NANOS);
    // Work that arrives within the window doubles it, up to the configured length.
    int[] calls = {0};
    for (int i = 0; i < 10; i++) {
      calls[0] = 0;
      poll.run(() -> ++calls[0] == 2 ? 1 : 0);
    }
    assertThat(poll.windowNanos()).isEqualTo(50_000);
    // A long sleep says nothing about the window.
    poll.sleptFor(5_000_000);
    assertThat(poll.windowNanos()).isEqualTo(50_000);
  }

  @Test
  void yieldsThatRanAnotherThreadEndTheWindowAndTwoInARowPausePollingForTheBackoff()
      throws Exception {
    BusyPoll poll = window(50);
    yieldNanos = 2_000_000; // another thread had the CPU for 2 ms
    assertThat(poll.run(this::nothingReady)).isZero();
    assertThat(polls).isEqualTo(1);
    // One alone ends its window only.
    yieldNanos = 1_000;
    assertThat(poll.run(this::nothingReady)).isZero();
    assertThat(polls).isEqualTo(1 + 50);
    yieldNanos = 2_000_000;
    poll.run(this::nothingReady);
    poll.run(this::nothingReady);
    assertThat(polls).isEqualTo(1 + 50 + 2);
    assertThat(poll.contendedWindows()).isEqualTo(3);

    // Within the backoff the loop goes straight to sleep in select: no poll at all.
    yieldNanos = 1_000;
    now += BusyPoll.BACKOFF_NANOS / 2;
    assertThat(poll.run(this::nothingReady)).isZero();
    assertThat(polls).isEqualTo(1 + 50 + 2);

    // After it, polling is tried again with the window it had (halved by the one empty window).
    now += BusyPoll.BACKOFF_NANOS;
    assertThat(poll.run(this::nothingReady)).isZero();
    assertThat(polls).isEqualTo(1 + 50 + 2 + 25);
    assertThat(poll.contendedWindows()).isEqualTo(3);
  }

  @Test
  void aZeroWindowNeverPolls() throws Exception {
    BusyPoll poll = window(0);
    assertThat(poll.run(this::nothingReady)).isZero();
    poll.sleptFor(1_000);
    assertThat(poll.run(this::nothingReady)).isZero();
    assertThat(polls).isZero();
  }
}
