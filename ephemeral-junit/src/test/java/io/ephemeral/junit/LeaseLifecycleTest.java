package io.ephemeral.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.ephemeral.client.BrokerClient;
import io.ephemeral.client.Lease;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.platform.testkit.engine.EngineTestKit;

/** Runs small test classes with the Jupiter engine and checks the pools afterwards. */
class LeaseLifecycleTest {
  static final String FAILING_POOL = "lifecycle-failing";
  static final String TEST_POOL = "lifecycle-per-test";
  static final String CLASS_POOL = "lifecycle-per-class";
  static final String LOCK = "lifecycle-lock";

  static final List<Long> tokens = new CopyOnWriteArrayList<>();
  static final List<Boolean> poolFullInside = new CopyOnWriteArrayList<>();

  private static BrokerClient broker() {
    return BrokerSession.current().client();
  }

  /** Whether a slot of the pool (size 1) is free now; takes and gives back a probe lease. */
  static boolean free(String pool) {
    Optional<Lease> probe =
        broker().tryLease(pool, Leasing.workerId("probe"), Duration.ofSeconds(10), 1);
    probe.ifPresent(Lease::release);
    return probe.isPresent();
  }

  @Test
  void aPerTestLeaseIsReleasedAfterAFailingTest() {
    tokens.clear();
    poolFullInside.clear();
    EngineTestKit.engine("junit-jupiter")
        .selectors(selectClass(FailingFixture.class))
        .execute()
        .testEvents()
        .assertStatistics(s -> s.started(1).failed(1));

    assertThat(poolFullInside).containsExactly(true);
    assertThat(free(FAILING_POOL)).isTrue();
  }

  @Test
  void eachTestGetsItsOwnPerTestLease() {
    tokens.clear();
    EngineTestKit.engine("junit-jupiter")
        .selectors(selectClass(PerTestFixture.class))
        .execute()
        .testEvents()
        .assertStatistics(s -> s.started(2).succeeded(2));

    assertThat(tokens).hasSize(2).doesNotHaveDuplicates();
    assertThat(free(TEST_POOL)).isTrue();
  }

  @Test
  void aPerClassLeaseIsHeldFromBeforeAllUntilAfterAll() {
    tokens.clear();
    poolFullInside.clear();
    EngineTestKit.engine("junit-jupiter")
        .selectors(selectClass(PerClassFixture.class))
        .execute()
        .testEvents()
        .assertStatistics(s -> s.started(2).succeeded(1).failed(1));

    assertThat(tokens).hasSize(4).containsOnly(tokens.get(0));
    assertThat(poolFullInside).containsExactly(true, true, true, true);
    assertThat(free(CLASS_POOL)).isTrue();
  }

  @Test
  void aMethodLockIsHeldDuringTheTestAndReleasedAfterAFailure() {
    poolFullInside.clear();
    EngineTestKit.engine("junit-jupiter")
        .selectors(selectClass(LockFixture.class))
        .execute()
        .testEvents()
        .assertStatistics(s -> s.started(4).succeeded(3).failed(1));

    assertThat(poolFullInside).containsExactly(true, true, false, false);
    assertThat(free(Leasing.LOCK_PREFIX + LOCK)).isTrue();
  }

  @Test
  void aClassLockIsHeldForTheWholeClass() {
    poolFullInside.clear();
    EngineTestKit.engine("junit-jupiter")
        .selectors(selectClass(ClassLockFixture.class))
        .execute()
        .testEvents()
        .assertStatistics(s -> s.started(1).failed(1));

    assertThat(poolFullInside).containsExactly(true, true, true);
    assertThat(free(Leasing.LOCK_PREFIX + LOCK)).isTrue();
  }

  @Test
  void aLeasedParameterOfAnotherTypeIsRefused() {
    EngineTestKit.engine("junit-jupiter")
        .selectors(selectClass(WrongTypeFixture.class))
        .execute()
        .testEvents()
        .assertStatistics(s -> s.failed(1));
  }

  static class FailingFixture {
    @Test
    void fails(@Leased(pool = FAILING_POOL, size = 1) int slot) {
      poolFullInside.add(!free(FAILING_POOL));
      fail("on purpose, holding slot " + slot);
    }
  }

  @TestMethodOrder(MethodOrderer.MethodName.class)
  static class PerTestFixture {
    @Test
    void a(@Leased(pool = TEST_POOL, size = 1) Lease lease) {
      tokens.add(lease.token());
    }

    @Test
    void b(@Leased(pool = TEST_POOL, size = 1) Lease lease) {
      tokens.add(lease.token());
    }
  }

  @TestMethodOrder(MethodOrderer.MethodName.class)
  static class PerClassFixture {
    @BeforeAll
    static void before(
        @Leased(pool = CLASS_POOL, size = 1, scope = Leased.Scope.PER_CLASS) Lease lease) {
      record(lease);
    }

    @AfterAll
    static void after(
        @Leased(pool = CLASS_POOL, size = 1, scope = Leased.Scope.PER_CLASS) Lease lease) {
      record(lease);
    }

    @Test
    void a(@Leased(pool = CLASS_POOL, size = 1, scope = Leased.Scope.PER_CLASS) Lease lease) {
      record(lease);
    }

    @Test
    void b(@Leased(pool = CLASS_POOL, size = 1, scope = Leased.Scope.PER_CLASS) Lease lease) {
      record(lease);
      fail("on purpose");
    }

    private static void record(Lease lease) {
      tokens.add(lease.token());
      poolFullInside.add(!free(CLASS_POOL));
    }
  }

  @EphemeralBroker
  @TestMethodOrder(MethodOrderer.MethodName.class)
  static class LockFixture {
    @Test
    @BrokerLock(LOCK)
    void a() {
      poolFullInside.add(!free(Leasing.LOCK_PREFIX + LOCK));
    }

    @Test
    @BrokerLock(LOCK)
    void b() {
      poolFullInside.add(!free(Leasing.LOCK_PREFIX + LOCK));
      fail("on purpose");
    }

    @Test
    void c() {
      poolFullInside.add(!free(Leasing.LOCK_PREFIX + LOCK));
    }

    @Test
    void d() {
      poolFullInside.add(!free(Leasing.LOCK_PREFIX + LOCK));
    }
  }

  @BrokerLock(LOCK)
  static class ClassLockFixture {
    @BeforeAll
    static void before() {
      poolFullInside.add(!free(Leasing.LOCK_PREFIX + LOCK));
    }

    @AfterAll
    static void after() {
      poolFullInside.add(!free(Leasing.LOCK_PREFIX + LOCK));
    }

    @Test
    void a() {
      poolFullInside.add(!free(Leasing.LOCK_PREFIX + LOCK));
      fail("on purpose");
    }
  }

  static class WrongTypeFixture {
    @Test
    void a(@Leased(pool = "wrong", size = 1) String slot) {}
  }
}
