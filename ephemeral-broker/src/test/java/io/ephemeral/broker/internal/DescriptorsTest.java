package io.ephemeral.broker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The descriptor limit and count read from /proc are the ones the operating system's management
 * bean reports; a proc directory in another form is not guessed at.
 */
class DescriptorsTest {

  @Test
  void procTellsWhatTheManagementBeanTells() {
    Descriptors fromProc = Descriptors.fromProc(Path.of("/proc/self"));
    assertThat(fromProc).as("this machine has /proc (Linux)").isNotNull();
    com.sun.management.UnixOperatingSystemMXBean bean =
        (com.sun.management.UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    assertThat(fromProc.max()).isEqualTo(bean.getMaxFileDescriptorCount());
    // Threads of the JVM may open or close a descriptor between the two readings.
    assertThat(fromProc.open())
        .isBetween(bean.getOpenFileDescriptorCount() - 3, bean.getOpenFileDescriptorCount() + 3);
    assertThat(Descriptors.now()).isEqualTo(Descriptors.fromProc(Path.of("/proc/self")));
  }

  @Test
  void anUnlimitedLimitAndTheEntriesOfFdAreRead(@TempDir Path proc) throws Exception {
    Files.writeString(
        proc.resolve("limits"),
        "Limit                     Soft Limit           Hard Limit           Units\n"
            + "Max cpu time              unlimited            unlimited            seconds\n"
            + "Max open files            unlimited            unlimited            files\n");
    Files.createDirectory(proc.resolve("fd"));
    for (int i = 0; i < 5; i++) {
      Files.createFile(proc.resolve("fd").resolve(Integer.toString(i)));
    }
    assertThat(Descriptors.fromProc(proc)).isEqualTo(new Descriptors(Long.MAX_VALUE, 5));
  }

  @Test
  void aLimitsFileInAnotherFormIsNotGuessedAt(@TempDir Path proc) throws Exception {
    Files.writeString(
        proc.resolve("limits"), "Max open files            many                 more\n");
    Files.createDirectory(proc.resolve("fd"));
    assertThat(Descriptors.fromProc(proc)).isNull();
    assertThat(Descriptors.fromProc(proc.resolve("missing"))).isNull();
  }
}
