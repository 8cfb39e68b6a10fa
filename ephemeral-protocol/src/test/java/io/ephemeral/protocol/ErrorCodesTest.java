package io.ephemeral.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class ErrorCodesTest {

  /** The public constants of {@code codes}, each checked to be its own name as {@code named}. */
  private static List<String> codes(Class<?> codes, UnaryOperator<String> named) throws Exception {
    List<String> values = new ArrayList<>();
    for (Field field : codes.getDeclaredFields()) {
      int modifiers = field.getModifiers();
      if (Modifier.isPublic(modifiers)) {
        assertThat(Modifier.isStatic(modifiers) && Modifier.isFinal(modifiers)).isTrue();
        values.add((String) field.get(null));
        assertThat(field.get(null)).isEqualTo(named.apply(field.getName()));
      }
    }
    return values;
  }

  @Test
  void gatewayCodesAreIpcBrosErrorCodesEachNamedAsItsString() throws Exception {
    // ipc-bro's IPCErrorCode enum, then ours.
    assertThat(codes(GatewayErrorCodes.class, name -> name))
        .containsExactlyInAnyOrder(
            "CONNECTION_FAILED",
            "CONNECTION_LOST",
            "NOT_CONNECTED",
            "SERVICE_NOT_FOUND",
            "METHOD_NOT_FOUND",
            "EXECUTION_FAILED",
            "TIMEOUT",
            "DEADLINE_EXCEEDED",
            "INVALID_MESSAGE",
            "SERIALIZATION_FAILED",
            "DESERIALIZATION_FAILED",
            "INVALID_CONTEXT",
            "MAX_DEPTH_EXCEEDED",
            "INTERNAL_ERROR",
            // ours
            "AUTH_FAILED",
            "MEMORY_LIMIT",
            "CANCELLED");
  }

  @Test
  void codesAreTheWireStringsOfTheNodeBrokerPlusOurOwn() throws Exception {
    assertThat(codes(ErrorCodes.class, name -> name.toLowerCase(Locale.ROOT)))
        .containsExactlyInAnyOrder(
            "invalid_json",
            "auth_failed",
            "unknown_action",
            "not_found",
            "expired",
            "invalid_ttl",
            "ttl_required",
            "too_large",
            "max_items",
            "key_and_worker_required",
            "worker_already_has_lease",
            "worker_required",
            "draining",
            // ours: bad requests the Node broker did not catch, and lease pools
            "invalid_request",
            "internal_error",
            "pool_exhausted",
            "lease_timeout",
            "pool_size_mismatch",
            "worker_already_waiting",
            "invalid_size",
            "invalid_wait",
            "provider_failed",
            // ours: refused connections
            "forbidden",
            "too_many_connections",
            // ours: replay protection, off unless the broker enables it
            "replay_fields_required",
            "stale_request",
            "replayed_request",
            "replay_cache_full",
            // ours: a shared store (Redis) that cannot be reached
            "store_unavailable",
            // ours: the memory budget
            "memory_limit",
            // ours: the coordination actions
            "not_a_counter",
            "out_of_range",
            "invalid_delta",
            "invalid_parties",
            "invalid_permits",
            "invalid_per",
            "invalid_token",
            "compute_timeout",
            "claim_lost",
            "barrier_timeout",
            "barrier_broken",
            "barrier_parties_mismatch",
            "acquire_timeout",
            "limiter_mismatch",
            "too_many_waiters");
  }
}
