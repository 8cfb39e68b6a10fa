package io.ephemeral.junit;

import org.junit.platform.commons.JUnitException;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The JUnit versions this module works with: 5.10 and later, 6 included. The module compiles
 * against the JUnit API without bringing it along (the build's own JUnit is used), so an older
 * JUnit on a test class path would fail somewhere deep inside JUnit with a message that never names
 * the broker; {@link #require()} says what is wrong first.
 *
 * <p>The version is the JUnit Platform's, which every JUnit jar layout carries (the Platform's own
 * jars and the console launcher's single jar alike): Platform 1.x belongs to JUnit 5.x, Platform 6
 * and later to JUnit of the same number.
 */
final class JUnitVersion {

  /** The oldest JUnit supported, as {major, minor}. */
  static final int[] MINIMUM = {5, 10};

  private JUnitVersion() {}

  /**
   * @throws JUnitException naming this module when the JUnit on the class path is too old
   */
  static void require() {
    String platform = AnnotationSupport.class.getPackage().getImplementationVersion();
    String message = problem(platform);
    if (message != null) {
      throw new JUnitException(message);
    }
  }

  /** Why {@code platformVersion} cannot be used, or null when it can (or is unknown). */
  static String problem(String platformVersion) {
    int[] junit = junitVersion(platformVersion);
    if (junit == null) {
      return null; // no version in the manifest (a repackaged JUnit): nothing to go by
    }
    boolean tooOld = junit[0] < MINIMUM[0] || (junit[0] == MINIMUM[0] && junit[1] < MINIMUM[1]);
    if (!tooOld) {
      return null;
    }
    return "ephemeral-junit (the ephemeral broker's JUnit extension) needs JUnit "
        + MINIMUM[0]
        + "."
        + MINIMUM[1]
        + " or later, but the test class path has JUnit "
        + junit[0]
        + "."
        + junit[1]
        + " (JUnit Platform "
        + platformVersion
        + "): upgrade JUnit (org.junit:junit-bom) to "
        + MINIMUM[0]
        + "."
        + MINIMUM[1]
        + "+ or 6.x";
  }

  /** {major, minor} of JUnit for a Platform version: 1.10.5 is JUnit 5.10, 6.0.1 is JUnit 6.0. */
  static int[] junitVersion(String platformVersion) {
    if (platformVersion == null) {
      return null;
    }
    String[] parts = platformVersion.split("[.-]");
    try {
      int major = Integer.parseInt(parts[0]);
      int minor = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
      return major == 1 ? new int[] {5, minor} : new int[] {major, minor};
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
