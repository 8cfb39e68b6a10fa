package io.ephemeral.cli;

import io.ephemeral.broker.Broker;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** Tests against a broker in this JVM, a fresh one per test on a socket in its own directory. */
abstract class BrokerInThisJvm {

  @TempDir Path dir;

  Broker broker;
  Path pipe;

  @BeforeEach
  void startBroker() {
    broker = Cli.startBroker(dir.resolve("b.sock"));
    pipe = broker.socketPath();
  }

  @AfterEach
  void stopBroker() {
    broker.stop();
  }
}
