package io.ephemeral.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.security.SecureRandom;

/**
 * What {@code ephemeral-broker start} is sure to need from the JDK and its libraries, set up on a
 * second thread while the main thread parses the command line and builds the broker.
 *
 * <p>Implementation notes. Each step is the first use in the JVM of something the broker's start
 * then uses on the main thread, and each costs milliseconds only the first time (class loading and
 * initialisation): the heap's memory pool beans (the default memory budget reads them; the first
 * call initialises the management framework and links its string concatenations; the descriptor
 * limit is read from /proc on Linux, without the framework), a {@code SecureRandom} (the socket's
 * random name; the first one loads the security providers) and a Unix-domain server socket (the
 * native library). No Jackson factory: the broker makes its first one when a request or a log line
 * needs it. Not the broker's logger: a logger asked for on the main thread while SLF4J initialises
 * on this one is a stand-in, and one made from that stand-in after the initialisation has ended
 * logs nothing, ever (SLF4J's substitute loggers): now and then a broker printed no line at all.
 * Nothing here changes what the broker does: it makes and configures all of these itself, in the
 * same order as without this thread; when the main thread reaches one first, it initialises it
 * itself and this thread waits on the class's initialisation lock instead. A failure here is met
 * again, and reported, by the broker's own use. The thread is a daemon, so a command that never
 * starts a broker ({@code --help}, a usage error) exits without waiting for it.
 */
final class StartPreparation extends Thread {

  /**
   * A Thread subclass rather than a lambda: the first lambda of a JVM sets up method handles, which
   * the main thread would pay for before this thread could start.
   */
  private StartPreparation() {
    super("ephemeral-broker-start-preparation");
    setDaemon(true);
  }

  /** Starts the preparation. */
  static void startInBackground() {
    new StartPreparation().start();
  }

  @Override
  public void run() {
    try {
      ManagementFactory.getMemoryPoolMXBeans();
      new SecureRandom().nextBytes(new byte[1]);
      ServerSocketChannel.open(StandardProtocolFamily.UNIX).close();
    } catch (IOException | RuntimeException e) {
      // the broker's own use meets it again and reports it
    }
  }
}
