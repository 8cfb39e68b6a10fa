package io.ephemeral.store.redis;

import io.ephemeral.broker.store.StoreUnavailableException;
import redis.clients.jedis.exceptions.JedisAccessControlException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * What a failure of Jedis means for the broker: Redis cannot be reached, is not ready, refused the
 * credentials, lost the store's scripts (each a {@link StoreUnavailableException}, the request may
 * be retried), or refused a script itself (a bug).
 */
final class RedisFailures {
  private RedisFailures() {}

  /** Whether Redis may have come back as a new process, without the store's scripts. */
  static boolean mayHaveLostScripts(JedisException e) {
    return e instanceof JedisNoScriptException
        || !(e instanceof JedisAccessControlException || e instanceof JedisDataException);
  }

  /**
   * The exception a caller gets for a Jedis failure: StoreUnavailableException unless Redis refused
   * the script itself. {@code where} describes the store, {@code timeoutMillis} is its call
   * timeout.
   */
  static RuntimeException of(String where, int timeoutMillis, Scripts script, JedisException e) {
    if (e instanceof JedisNoScriptException) {
      return new StoreUnavailableException(
          "Redis at "
              + where
              + " lost the store's scripts (restarted?); the"
              + " request was not applied",
          e);
    }
    if (e instanceof JedisAccessControlException) {
      return new StoreUnavailableException(
          "Redis at " + where + " refused the credentials: " + reason(e), e);
    }
    if (e instanceof JedisDataException) {
      if (transientRefusal(e.getMessage())) {
        return new StoreUnavailableException(
            "Redis at " + where + " cannot serve now: " + reason(e), e);
      }
      return new IllegalStateException(
          "Redis refused the store's "
              + (script == null ? "" : script.name + " ")
              + "script: "
              + e.getMessage(),
          e);
    }
    if (e instanceof JedisConnectionException) {
      return new StoreUnavailableException(
          "Redis at "
              + where
              + " did not answer within "
              + timeoutMillis
              + " ms or could not be reached: "
              + reason(e),
          e);
    }
    return new StoreUnavailableException("Redis at " + where + " is unavailable: " + reason(e), e);
  }

  /**
   * Refusals that pass when Redis is ready again (loading its data, failing over, out of memory).
   */
  static boolean transientRefusal(String message) {
    if (message == null) {
      return false;
    }
    for (String prefix :
        new String[] {
          "LOADING",
          "BUSY",
          "MASTERDOWN",
          "READONLY",
          "CLUSTERDOWN",
          "TRYAGAIN",
          "NOREPLICAS",
          "OOM",
          "MISCONF"
        }) {
      if (message.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  /** The innermost useful message of a failure. */
  static String reason(Throwable e) {
    Throwable t = e;
    String message = String.valueOf(e.getMessage());
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
      if (t.getMessage() != null) {
        message = t.getMessage();
      }
    }
    return message;
  }
}
