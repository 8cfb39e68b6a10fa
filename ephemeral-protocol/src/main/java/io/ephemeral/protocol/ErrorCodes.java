package io.ephemeral.protocol;

/**
 * Wire error strings of the KV protocol.
 *
 * <p>Every failure response is exactly {@code {"ok":false,"error":"<code>"}}. All codes except
 * {@link #INVALID_REQUEST} are emitted by the Node broker and understood by its client; the strings
 * must not change.
 *
 * <p>Naming: a KV error code is lower snake_case ({@code not_found}, {@code too_large}), as the
 * Node broker writes them, and each constant here is the code in upper case. Codes of the service
 * gateway follow the {@code ipc-bro} convention instead: upper snake_case ({@code
 * SERVICE_NOT_FOUND}), in {@code error.code} of a frame; they are {@link GatewayErrorCodes}. Custom
 * actions choose their own codes and should follow the KV convention.
 */
public final class ErrorCodes {

  /** The request line is not valid JSON. */
  public static final String INVALID_JSON = "invalid_json";

  /** A secret is configured and the request's {@code hmac} does not verify. */
  public static final String AUTH_FAILED = "auth_failed";

  /** The {@code action} member is missing or names no action. */
  public static final String UNKNOWN_ACTION = "unknown_action";

  /** {@code get} of a key that is not stored. */
  public static final String NOT_FOUND = "not_found";

  /**
   * {@code get} of a key whose TTL has passed; the entry is removed, so the next get says
   * not_found.
   */
  public static final String EXPIRED = "expired";

  /** {@code set} with a negative ttl, or ttl 0 while a TTL is required. */
  public static final String INVALID_TTL = "invalid_ttl";

  /** {@code set} without a ttl while a TTL is required. */
  public static final String TTL_REQUIRED = "ttl_required";

  /** The value or the whole request exceeds its size limit. */
  public static final String TOO_LARGE = "too_large";

  /** {@code set} of a new key while the store holds the maximum number of live items. */
  public static final String MAX_ITEMS = "max_items";

  /** {@code lease} without {@code key} or {@code workerId}. */
  public static final String KEY_AND_WORKER_REQUIRED = "key_and_worker_required";

  /** {@code lease} by a worker that already holds a lease on another key. */
  public static final String WORKER_ALREADY_HAS_LEASE = "worker_already_has_lease";

  /** {@code release} without {@code workerId}. */
  public static final String WORKER_REQUIRED = "worker_required";

  /** The broker is shutting down and accepts no new connections. */
  public static final String DRAINING = "draining";

  /**
   * The request is valid JSON but not a JSON object, or a member has the wrong type.
   *
   * <p>Not emitted by the Node broker (which crashes or misbehaves on such input instead); the Node
   * client reports it like any other error string.
   */
  public static final String INVALID_REQUEST = "invalid_request";

  /**
   * Ours: the connection was refused because the peer runs as another user (see the broker's {@code
   * peerAccess}); the line has a {@code message} and the broker closes the connection.
   */
  public static final String FORBIDDEN = "forbidden";

  /**
   * Ours: the connection was refused because the broker has {@code maxConnections} open; the line
   * has a {@code message} and the broker closes the connection.
   */
  public static final String TOO_MANY_CONNECTIONS = "too_many_connections";

  /** Ours: the broker failed to complete a request it accepted (a bug; details in its log). */
  public static final String INTERNAL_ERROR = "internal_error";

  private ErrorCodes() {}

  // Lease pools (additive to the Node protocol: only requests that use size or wait get these).

  /** The pool has {@code size} holders and the request did not ask to wait. */
  public static final String POOL_EXHAUSTED = "pool_exhausted";

  /** No slot became free within the request's {@code wait}. */
  public static final String LEASE_TIMEOUT = "lease_timeout";

  /** The request's {@code size} differs from the size the pool already has. */
  public static final String POOL_SIZE_MISMATCH = "pool_size_mismatch";

  /** The worker is already waiting for a slot (on another connection). */
  public static final String WORKER_ALREADY_WAITING = "worker_already_waiting";

  /** {@code size} is not a whole number from 1 to 1,000,000. */
  public static final String INVALID_SIZE = "invalid_size";

  /** {@code wait} is not a whole number of milliseconds from 0 to 24 hours. */
  public static final String INVALID_WAIT = "invalid_wait";

  /** A value provider for the key failed or returned invalid JSON (nothing was stored). */
  public static final String PROVIDER_FAILED = "provider_failed";

  // Replay protection (only when the broker enables it; the Node client never opts in).

  /**
   * Replay protection is on and a signed request lacks a numeric {@code ts} or a {@code nonce}
   * string.
   */
  public static final String REPLAY_FIELDS_REQUIRED = "replay_fields_required";

  /** The signed {@code ts} is further from the broker's clock than the replay window. */
  public static final String STALE_REQUEST = "stale_request";

  /** The signed {@code nonce} was already used within the replay window. */
  public static final String REPLAYED_REQUEST = "replayed_request";

  /** The broker's nonce cache is full; the request was refused rather than the cache grown. */
  public static final String REPLAY_CACHE_FULL = "replay_cache_full";

  /**
   * The broker keeps its data in a shared store (Redis) that did not answer in time or could not be
   * reached; the {@code message} says why. Nothing was answered from stale data. For a write the
   * outcome is unknown (it may or may not have been applied); the request can be retried.
   */
  public static final String STORE_UNAVAILABLE = "store_unavailable";

  /**
   * The broker's memory budget ({@code maxMemory}) cannot hold what the request would add (a value,
   * a lease, an unfinished request line); nothing was stored and the {@code message} gives the
   * figures. Reads, deletes and releases still work, and free room.
   */
  public static final String MEMORY_LIMIT = "memory_limit";

  // Coordination actions (setIfAbsent, incr, compute, barrier, acquire): additive to the Node
  // protocol.

  /** {@code incr} of a key whose value is not a whole number within ±(2^53 - 1). */
  public static final String NOT_A_COUNTER = "not_a_counter";

  /** {@code incr} whose result would leave ±(2^53 - 1), the integers JavaScript holds exactly. */
  public static final String OUT_OF_RANGE = "out_of_range";

  /** {@code delta} is not a whole number within ±(2^53 - 1). */
  public static final String INVALID_DELTA = "invalid_delta";

  /** {@code parties} is not a whole number from 1 to 10,000. */
  public static final String INVALID_PARTIES = "invalid_parties";

  /** {@code permits} is not a whole number from 1 to 10,000. */
  public static final String INVALID_PERMITS = "invalid_permits";

  /** {@code per} is not a whole number of milliseconds from 1 to 24 hours. */
  public static final String INVALID_PER = "invalid_per";

  /** {@code token} is missing or not a positive whole number. */
  public static final String INVALID_TOKEN = "invalid_token";

  /** Another caller computed the key longer than the request's {@code wait}. */
  public static final String COMPUTE_TIMEOUT = "compute_timeout";

  /** {@code computed} by a caller whose claim ended and that another caller holds now. */
  public static final String CLAIM_LOST = "claim_lost";

  /** Not all parties reached the barrier within the request's {@code wait}. */
  public static final String BARRIER_TIMEOUT = "barrier_timeout";

  /** A party of the barrier timed out or went away while this one waited. */
  public static final String BARRIER_BROKEN = "barrier_broken";

  /** The request's {@code parties} differs from that of the parties already waiting. */
  public static final String BARRIER_PARTIES_MISMATCH = "barrier_parties_mismatch";

  /** No permit of the rate limiter became free within the request's {@code wait}. */
  public static final String ACQUIRE_TIMEOUT = "acquire_timeout";

  /** The request's {@code permits} or {@code per} differ from the rate limiter's. */
  public static final String LIMITER_MISMATCH = "limiter_mismatch";

  /** The broker already holds its limit of waiting requests (maxLeaseWaiters) of this kind. */
  public static final String TOO_MANY_WAITERS = "too_many_waiters";
}
