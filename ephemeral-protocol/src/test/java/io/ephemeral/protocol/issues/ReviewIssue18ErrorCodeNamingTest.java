package io.ephemeral.protocol.issues;

import static org.assertj.core.api.Assertions.assertThat;

import io.ephemeral.protocol.ErrorCodes;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Review issue #18 of the original broker: error codes followed no stated convention. The
 * convention is stated in {@link ErrorCodes} (lower snake_case, constant name = code in upper case)
 * and checked here for every code, so a code that breaks it cannot be added unnoticed.
 * (ErrorCodesTest pins the exact set of codes.)
 */
class ReviewIssue18ErrorCodeNamingTest {

  static List<String> codes() throws IllegalAccessException {
    List<String> codes = new ArrayList<>();
    for (Field f : ErrorCodes.class.getDeclaredFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
        assertThat(Modifier.isPublic(f.getModifiers()) && Modifier.isFinal(f.getModifiers()))
            .as(f.getName())
            .isTrue();
        String code = (String) f.get(null);
        assertThat(code)
            .as(f.getName())
            .matches("[a-z]+(_[a-z]+)*")
            .isEqualTo(f.getName().toLowerCase(java.util.Locale.ROOT));
        codes.add(code);
      }
    }
    return codes;
  }

  @Test
  void everyCodeIsLowerSnakeCaseAndNamedAfterItself() throws Exception {
    assertThat(codes()).doesNotHaveDuplicates().hasSizeGreaterThan(20);
  }
}
