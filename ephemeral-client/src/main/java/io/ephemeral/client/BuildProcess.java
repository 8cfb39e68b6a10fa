package io.ephemeral.client;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The process that stands for "this build" to a JVM that was not told its scope: the nearest
 * ancestor that is a build tool (the Maven JVM of every Surefire and Failsafe fork of one
 * invocation, the Gradle daemon or Gradle JVM of the test workers), else the nearest ancestor JVM,
 * else this JVM itself. A pid with its start time names it, so a later build with a reused pid is
 * another scope.
 */
final class BuildProcess {
  /** How far up the parent chain to look; a fork sits two or three levels below its build. */
  private static final int MAX_DEPTH = 32;

  private final String tool;
  private final ProcessHandle process;

  private BuildProcess(String tool, ProcessHandle process) {
    this.tool = tool;
    this.process = process;
  }

  static BuildProcess ofThisJvm() {
    ProcessHandle nearestJvm = null;
    Optional<ProcessHandle> p = ProcessHandle.current().parent();
    for (int depth = 0; depth < MAX_DEPTH && p.isPresent(); depth++) {
      ProcessHandle h = p.get();
      ProcessHandle.Info info = h.info();
      String tool = buildTool(info.arguments().map(List::of).orElse(List.of()));
      if (tool != null) {
        return new BuildProcess(tool, h);
      }
      if (nearestJvm == null && isJvm(info)) {
        nearestJvm = h;
      }
      p = h.parent();
    }
    if (nearestJvm != null) {
      return new BuildProcess("java", nearestJvm);
    }
    return new BuildProcess("jvm", ProcessHandle.current());
  }

  /** The build tool a JVM's arguments show, or null. */
  static String buildTool(List<String> arguments) {
    for (String a : arguments) {
      switch (a) {
        case "org.codehaus.plexus.classworlds.launcher.Launcher":
          return "maven";
        case "org.mvndaemon.mvnd.daemon.Server":
          return "mvnd daemon";
        case "org.gradle.launcher.daemon.bootstrap.GradleDaemon":
          return "gradle daemon";
        case "org.gradle.launcher.GradleMain", "org.gradle.wrapper.GradleWrapperMain":
          return "gradle";
        default:
          // keep looking
      }
    }
    return null;
  }

  private static boolean isJvm(ProcessHandle.Info info) {
    return info.command()
        .map(c -> Path.of(c).getFileName().toString())
        .filter(n -> n.equals("java") || n.equals("java.exe"))
        .isPresent();
  }

  long pid() {
    return process.pid();
  }

  /** E.g. {@code maven pid 4242 started 2026-12-07T10:15:30.123Z}. */
  String scopeName() {
    return tool
        + " pid "
        + process.pid()
        + process.info().startInstant().map(t -> " started " + t).orElse("");
  }
}
