package io.ephemeral.broker.store;

/**
 * The coordination primitives of a {@link RemoteStore} shared by several brokers: set-if-absent,
 * counters, single-flight claims, barriers and rate limiters, each step atomic in the store, so
 * that callers on every broker see one set of them. Called like the store's other methods: on the
 * broker's store threads, each bounded by the store's timeout ({@link StoreUnavailableException}).
 * Times are the store's clock.
 *
 * <p>A caller that waits (for a claim, a barrier, a permit) polls with a ticket unique to its wait,
 * at least every {@code holdMillis}: a ticket that is not polled for longer is abandoned by the
 * store, as when the broker that polled it stopped, so waits of a dead broker never block others.
 */
public interface CoordinationStore {

  /** What {@link #setIfAbsent} did. */
  enum Put {
    /** The value was stored. */
    STORED,
    /** The key has a live value; nothing was written. */
    PRESENT,
    /** A new key was refused for max items. */
    FULL
  }

  /**
   * Stores a value like {@link RemoteStore#set} if the key has no live value.
   *
   * @param json the value's JSON text, or null for a set without value
   */
  Put setIfAbsent(
      byte[] key, byte[] json, boolean compressed, long ttlMillis, int maxItems, boolean lru);

  /** What {@link #increment} did; {@code value} is the counter after it when {@code OK}. */
  record Counter(CounterOutcome outcome, long value) {}

  /** What {@link #increment} found. */
  enum CounterOutcome {
    /** Counted: see {@code value}. */
    OK,
    /** The key holds something else than a whole number within ±(2^53 - 1). */
    NOT_A_COUNTER,
    /** The result would leave ±(2^53 - 1). */
    OUT_OF_RANGE,
    /** A new key was refused for max items. */
    FULL
  }

  /**
   * Adds {@code delta} to the whole number stored under {@code key} (a missing key counts as 0) and
   * keeps it for {@code ttlMillis} from now.
   */
  Counter increment(byte[] key, long delta, long ttlMillis, int maxItems, boolean lru);

  /** What {@link #compute} found. */
  enum ComputeOutcome {
    /** A live value: see {@code value}. */
    VALUE,
    /** The caller holds the claim now: see {@code token}. */
    CLAIMED,
    /** Another caller holds the claim: ask again. */
    WAIT
  }

  /**
   * The answer to a compute request; {@code waiting} is how many callers wait in the key's queue
   * when another caller holds the claim.
   */
  record Compute(ComputeOutcome outcome, RemoteStore.Value value, long token, int waiting) {}

  /**
   * The key's live value, or the claim to compute it if nobody holds one (or its holder's time ran
   * out) and nobody waited longer for it. A claim lasts {@code claimTtlMillis} unless renewed.
   *
   * @param ticket null to answer at once; otherwise the caller waits in the key's queue
   */
  Compute compute(byte[] key, long claimTtlMillis, String ticket, long holdMillis);

  /** Leaves the key's queue (a wait that ended, or whose client went away). */
  void cancelCompute(byte[] key, String ticket);

  /** What {@link #computed} did. */
  enum Computed {
    /** The value was stored and the claim ended. */
    STORED,
    /** No claim was held and the key had a live value meanwhile: nothing was written. */
    ALREADY_STORED,
    /** Another caller holds the claim now: nothing was written. */
    CLAIM_LOST,
    /** A new key was refused for max items (the claim stays). */
    FULL
  }

  /** Stores the computed value if {@code token} holds the claim (or nobody does), ending it. */
  Computed computed(
      byte[] key,
      long token,
      byte[] json,
      boolean compressed,
      long ttlMillis,
      int maxItems,
      boolean lru);

  /** Ends the claim if {@code token} holds it; true if it did. */
  boolean releaseClaim(byte[] key, long token);

  /**
   * Extends the claim {@code token} holds to {@code ttlMillis} from now; false if it holds none.
   */
  boolean renewClaim(byte[] key, long token, long ttlMillis);

  /** What a barrier call found. */
  enum BarrierOutcome {
    /** All parties arrived: the round is released. */
    RELEASED,
    /** The caller waits; ask again with {@link #barrierPoll}. */
    WAITING,
    /** Parties wait there expecting another number: see {@code parties}. */
    MISMATCH,
    /** The round broke (a party timed out, or was abandoned): see {@code detail}. */
    BROKEN
  }

  /**
   * A barrier answer: the caller's arrival index, the parties (the existing ones' for a mismatch),
   * how many had arrived, and why it broke.
   */
  record Arrival(BarrierOutcome outcome, int index, int parties, int arrived, String detail) {}

  /** Arrives at the barrier with the ticket of this wait. */
  Arrival barrierArrive(String name, int parties, String ticket, long holdMillis);

  /** Asks whether the ticket's round was released or broke, keeping the ticket alive. */
  Arrival barrierPoll(String name, String ticket, long holdMillis);

  /** Breaks the ticket's round (its wait ran out, or its client went away), saying why. */
  void barrierBreak(String name, String ticket, String why);

  /** What {@link #acquire} did. */
  enum GrantOutcome {
    /** A permit: see {@code at}. */
    GRANTED,
    /** No permit now and the caller does not wait: see {@code retryAfter}. */
    REFUSED,
    /** No permit yet; the ticket keeps the caller's place: ask again. */
    QUEUED,
    /** The limiter has other permits or another period: see {@code permits} and {@code per}. */
    MISMATCH
  }

  /** The answer to an acquire. */
  record Grant(GrantOutcome outcome, long at, long retryAfter, int permits, long per) {}

  /**
   * A permit of the limiter {@code name} (at most {@code permits} grants in any window of {@code
   * perMillis}), first come, first served.
   *
   * @param ticket null to answer at once; otherwise the caller waits in the limiter's queue
   */
  Grant acquire(String name, int permits, long perMillis, String ticket, long holdMillis);

  /** Leaves the limiter's queue (a wait that ended, or whose client went away). */
  void cancelAcquire(String name, String ticket);
}
