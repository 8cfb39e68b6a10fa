package io.ephemeral.cli;

import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * Looks into another JVM of this user (a broker process): its heap right after a full collection,
 * through the JDK's attach API and its local (loopback-only) management agent, and its open file
 * descriptors from {@code /proc/PID/fd}.
 */
final class JvmProbe implements AutoCloseable {
  private final long pid;
  private final JMXConnector connector;
  private final MemoryMXBean memory;
  private final List<MemoryPoolMXBean> pools;

  JvmProbe(long pid) throws Exception {
    this.pid = pid;
    VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
    String address;
    try {
      address = vm.startLocalManagementAgent();
    } finally {
      vm.detach();
    }
    connector = JMXConnectorFactory.connect(new JMXServiceURL(address));
    memory =
        ManagementFactory.newPlatformMXBeanProxy(
            connector.getMBeanServerConnection(),
            ManagementFactory.MEMORY_MXBEAN_NAME,
            MemoryMXBean.class);
    pools =
        ManagementFactory.getPlatformMXBeans(
            connector.getMBeanServerConnection(), MemoryPoolMXBean.class);
  }

  /**
   * Heap in use right after a full collection (System.gc() in that JVM), in bytes: each heap pool's
   * usage as the collection left it (not as read later, when threads have taken new allocation
   * buffers), the least of three collections, since objects waiting for finalization or cleaning
   * outlive the first.
   */
  long heapAfterGc() {
    long least = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      memory.gc();
      long used = 0;
      for (MemoryPoolMXBean pool : pools) {
        MemoryUsage after = pool.getCollectionUsage();
        if (pool.getType() == MemoryType.HEAP && after != null) {
          used += after.getUsed();
        }
      }
      least = Math.min(least, used);
    }
    return least;
  }

  /** Open file descriptors (sockets included) of the process. */
  long openFds() throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
      return fds.count();
    }
  }

  @Override
  public void close() throws IOException {
    connector.close();
  }
}
