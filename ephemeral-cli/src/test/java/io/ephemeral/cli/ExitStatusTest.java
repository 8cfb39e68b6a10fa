package io.ephemeral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ephemeral.client.service.ServiceException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The failure → status table. The statuses a real broker can cause are checked end to end in {@link
 * CtlJsonTest} and {@link CtlTest}; here the ones only a gateway or a defect produce.
 */
class ExitStatusTest {

  @Test
  void theStatusesAreDistinct() {
    assertThat(Arrays.stream(ExitStatus.values()).map(s -> s.code)).containsExactly(0, 1, 2, 3, 70);
  }

  @Test
  void aGatewayThatCannotBeReachedIsUnavailableAndAFailedCallIsRefused() {
    assertThat(ExitStatus.of(new ServiceException(ServiceException.CONNECTION_FAILED, "x")))
        .isEqualTo(ExitStatus.UNAVAILABLE);
    assertThat(ExitStatus.of(new ServiceException(ServiceException.NOT_CONNECTED, "x")))
        .isEqualTo(ExitStatus.UNAVAILABLE);
    assertThat(ExitStatus.of(new ServiceException(ServiceException.TIMEOUT, "x")))
        .isEqualTo(ExitStatus.REFUSED);
    assertThat(ExitStatus.of(new ServiceException("E_CUSTOM", "x"))).isEqualTo(ExitStatus.REFUSED);
    assertThat(ExitStatus.errorCode(new ServiceException("E_CUSTOM", "x"))).isEqualTo("E_CUSTOM");
  }

  @Test
  void anythingUnforeseenIsAnInternalError() {
    assertThat(ExitStatus.of(new IllegalStateException("bug"))).isEqualTo(ExitStatus.INTERNAL);
    assertThat(ExitStatus.errorCode(new NullPointerException())).isEqualTo("internal");
  }
}
