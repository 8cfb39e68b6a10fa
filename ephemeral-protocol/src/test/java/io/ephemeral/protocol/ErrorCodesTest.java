package io.ephemeral.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ErrorCodesTest {

  @Test
  void codesAreTheWireStringsOfTheNodeBrokerPlusOurOwn() throws Exception {
    List<String> values = new ArrayList<>();
    for (Field field : ErrorCodes.class.getDeclaredFields()) {
      int modifiers = field.getModifiers();
      if (Modifier.isPublic(modifiers)) {
        assertThat(Modifier.isStatic(modifiers) && Modifier.isFinal(modifiers)).isTrue();
        values.add((String) field.get(null));
        assertThat(field.get(null)).isEqualTo(field.getName().toLowerCase());
      }
    }
    assertThat(values)
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
