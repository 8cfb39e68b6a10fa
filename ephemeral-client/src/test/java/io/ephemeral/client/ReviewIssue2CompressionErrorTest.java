package io.ephemeral.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Review issue #2: a value that cannot be serialised failed with a cryptic error that did not say
 * which key. Here it is an IllegalArgumentException naming the key, thrown before anything is sent,
 * whether or not the value would have been compressed.
 */
class ReviewIssue2CompressionErrorTest extends WithBrokerAndClient {
  private static final Duration MINUTE = Duration.ofMinutes(1);

  /** Refers to itself. */
  public static final class SelfReferencing {
    public String name = "loop";
    public SelfReferencing self = this;
    public String padding = "x".repeat(5_000); // above the compression threshold
  }

  /** Two objects referring to each other. */
  public static final class Parent {
    public Child child;
  }

  /** See {@link Parent}. */
  public static final class Child {
    public Parent parent;
  }

  /** A getter that throws. */
  public static final class Exploding {
    public String getValue() {
      throw new IllegalStateException("boom");
    }
  }

  @Test
  void selfReferencingValueNamesTheKey() {
    assertThatThrownBy(() -> client.set("cyclic", new SelfReferencing(), MINUTE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("key \"cyclic\"")
        .hasMessageContaining(SelfReferencing.class.getName())
        .hasMessageContaining("circular references");
    assertThat(client.list()).as("nothing was sent").isEmpty();
  }

  @Test
  void indirectCycleNamesTheKey() {
    Parent p = new Parent();
    p.child = new Child();
    p.child.parent = p;
    assertThatThrownBy(() -> client.set("family", p, MINUTE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("key \"family\"");
    assertThatThrownBy(() -> client.setAsync("family", p, MINUTE))
        .as("thrown directly by the async method too")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("key \"family\"");
  }

  @Test
  void nonSerialisableValuesNameTheKey() {
    try (BrokerClient plain = broker.client().compression(false).build()) {
      assertThatThrownBy(() -> plain.set("empty-bean", new Object(), MINUTE))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("key \"empty-bean\"");
      assertThatThrownBy(() -> plain.set("exploding", new Exploding(), MINUTE))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("key \"exploding\"")
          .hasMessageContaining("boom");
    }
    assertThat(client.list()).isEmpty();
  }
}
