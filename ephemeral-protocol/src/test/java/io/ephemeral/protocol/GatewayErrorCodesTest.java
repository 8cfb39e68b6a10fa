package io.ephemeral.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GatewayErrorCodesTest {

  @Test
  void codesAreIpcBrosErrorCodesEachNamedAsItsString() throws Exception {
    List<String> values = new ArrayList<>();
    for (Field field : GatewayErrorCodes.class.getDeclaredFields()) {
      int modifiers = field.getModifiers();
      if (Modifier.isPublic(modifiers)) {
        assertThat(Modifier.isStatic(modifiers) && Modifier.isFinal(modifiers)).isTrue();
        values.add((String) field.get(null));
        assertThat(field.get(null)).isEqualTo(field.getName());
      }
    }
    // ipc-bro's IPCErrorCode enum, then ours.
    assertThat(values)
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
            "AUTH_FAILED",
            "MEMORY_LIMIT",
            "CANCELLED");
  }
}
