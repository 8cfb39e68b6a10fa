# Sourced by bin/ephemeral-broker and bin/brokerctl (not a command of its own): finds the jar and
# a Java, keeps a class-data archive for that Java beside the jar, and runs the JVM.
#
# Where the jar is: lib/ephemeral-broker.jar in an unpacked distribution, or
# ephemeral-cli/target/ephemeral-broker.jar in the source tree after a build.
#
# Class data. A fresh JVM spends most of its start loading, verifying and linking the classes of
# the jar. The first start after a build, or with another Java, records the classes each launcher
# uses into an archive beside the jar (one extra run of `start -- brokerctl ping` in a clean
# environment, one to three seconds); later starts map the archives instead. JDK 25 and later
# record an AOT cache (-XX:AOTCacheOutput, which also keeps linked classes and method profiles),
# older ones a dynamic CDS archive (-XX:ArchiveClassesAtExit). Archives are named after the Java
# that made them, so switching between Javas does not throw them away. A JVM that cannot use an
# archive starts without it, silently. No archive where the jar's folder is not writable, with
# EPHEMERAL_NO_CDS set, or when the Java's version is unknown (no `release` file).

# ephemeral_launch broker|ctl DIR ARGS...: DIR is the real directory of the calling launcher.
ephemeral_launch() {
  local mode="$1" bin="$2"
  shift 2
  local root jar java java_home
  # The main class by name (the jar's Main-Class): with -jar the launcher opens the jar to read
  # its manifest, and the class loader opens it again for the first resource, reading the
  # directory of its 3,400 entries twice; with -cp only the class loader does.
  local main=io.ephemeral.cli.Main
  root="$(cd -P "$bin/.." && pwd)"
  jar="$root/lib/ephemeral-broker.jar"
  if [ ! -f "$jar" ]; then
    jar="$root/ephemeral-cli/target/ephemeral-broker.jar"
  fi
  if [ ! -f "$jar" ]; then
    echo "build first: mvn -q -DskipTests package (no $root/lib/ephemeral-broker.jar either)" >&2
    exit 3
  fi

  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    java="$JAVA_HOME/bin/java"
    java_home="$JAVA_HOME"
  elif java="$(command -v java)"; then
    java_home="$(ephemeral_java_home "$java")"
  else
    echo "no Java found: install JDK 17 or later, or set JAVA_HOME" >&2
    exit 3
  fi

  # The Java's version from its release file: JAVA_RUNTIME_VERSION="17.0.15+6-Debian-1deb12u1".
  local version="" major=0 line
  if [ -r "$java_home/release" ]; then
    while IFS= read -r line; do
      case "$line" in JAVA_RUNTIME_VERSION=*) version="${line#*=}" ;; esac
    done < "$java_home/release"
    version="${version//\"/}"
    major="${version%%[.+-]*}"
    case "$major" in '' | *[!0-9]*) major=0 ;; esac
  fi
  if [ "$major" -gt 0 ] && [ "$major" -lt 17 ]; then
    echo "ephemeral-broker needs Java 17 or later; $java is Java $version" >&2
    exit 3
  fi

  # brokerctl: one request, so only the quick compiler, and that four times later than by
  # default: a ping spent 40 to 55 ms of CPU compiling methods it then ran a few times each,
  # 15 to 30 ms with the later threshold, its main thread no slower.
  # The broker: both compilers, each four times later than by default. A start compiled the
  # methods of its own start-up, which run a few times each (87 ms of compiler CPU per
  # `start -- true` on JDK 17, 30 ms with the later thresholds); a serving broker's request path
  # runs thousands of times a second and reaches the optimising compiler within its first
  # hundred thousand requests either way (docs/performance.md, "Start-up").
  local opts_broker=(-XX:+UseSerialGC -XX:MaxTenuringThreshold=0 -Xmn8m
    -XX:CompileThresholdScaling=4)
  local opts_ctl=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:CompileThresholdScaling=4
    -XX:-UsePerfData)
  # JDK 23 and later warn on stderr about sun.misc.Unsafe's memory methods, which msgpack-core
  # calls; the option that allows them quietly does not exist before 23.
  if [ "$major" -ge 23 ]; then
    opts_broker+=(--sun-misc-unsafe-memory-access=allow)
    opts_ctl+=(--sun-misc-unsafe-memory-access=allow)
  fi

  local cds=()
  if [ -z "${EPHEMERAL_NO_CDS:-}" ] && [ "$major" -ge 17 ]; then
    local kind=jsa record=-XX:ArchiveClassesAtExit use=-XX:SharedArchiveFile quiet
    quiet=(-Xlog:cds=off -Xlog:cds+dynamic=off)
    if [ "$major" -ge 25 ]; then
      kind=aot record=-XX:AOTCacheOutput use=-XX:AOTCache
      quiet=(-Xlog:cds=off -Xlog:aot=off)
    fi
    local base="${jar%.jar}.${version//[^A-Za-z0-9.]/_}"
    local archive_broker="$base.broker.$kind" archive_ctl="$base.ctl.$kind"
    local archive="$archive_broker"
    if [ "$mode" = ctl ]; then
      archive="$archive_ctl"
    fi
    if [ ! "$archive" -nt "$jar" ] && [ ! "$base.failed" -nt "$jar" ] \
        && [ -w "$(dirname "$jar")" ]; then
      # One run records both: the broker, and brokerctl as its command.
      local tmp_broker="$archive_broker.$$" tmp_ctl="$archive_ctl.$$"
      if env -i PATH="$PATH" "$java" "${opts_broker[@]}" "$record=$tmp_broker" "${quiet[@]}" \
          -cp "$jar" "$main" start -- "$java" "${opts_ctl[@]}" "$record=$tmp_ctl" "${quiet[@]}" \
          -cp "$jar" "$main" ctl ping > /dev/null 2>&1 && [ -s "$tmp_broker" ] && [ -s "$tmp_ctl" ]; then
        mv -f "$tmp_broker" "$archive_broker"
        mv -f "$tmp_ctl" "$archive_ctl"
      else
        rm -f "$tmp_broker" "$tmp_ctl"
        touch "$base.failed" 2> /dev/null || true # do not try again until the jar is rebuilt
      fi
    fi
    if [ "$archive" -nt "$jar" ]; then
      cds=("$use=$archive" "${quiet[@]}")
    fi
  fi

  # exec: the JVM replaces this shell, so signals sent to this pid reach the JVM.
  if [ "$mode" = ctl ]; then
    exec "$java" "${opts_ctl[@]}" ${cds[@]+"${cds[@]}"} ${EPHEMERAL_JAVA_OPTS:-} \
      -cp "$jar" "$main" ctl "$@"
  fi
  # The broker: full tiered compilation (C1 first, then C2: with C1 alone a set at 8x1 cost about
  # 50% more CPU). One thread owns the heap, so the serial collector is enough. A request leaves
  # only short-lived garbage and a stored value lives long, so what survives one young collection
  # is promoted at once (MaxTenuringThreshold=0) instead of being copied between survivor spaces
  # up to 15 times; a small young generation keeps each young pause (and the footprint) small:
  # 8 MB rather than 32 took 24 MiB off the resident set at a million items, and kept every young
  # pause under 1 ms at set 8x1 (more of them).
  exec "$java" "${opts_broker[@]}" ${cds[@]+"${cds[@]}"} ${EPHEMERAL_JAVA_OPTS:-} \
    -cp "$jar" "$main" "$@"
}

# ephemeral_java_home PATH: the installation a java on the PATH belongs to, through its symlinks
# (/usr/bin/java -> /etc/alternatives/java -> /usr/lib/jvm/.../bin/java).
ephemeral_java_home() {
  local java="$1" target
  while [ -L "$java" ]; do
    target="$(readlink "$java")"
    case "$target" in
      /*) java="$target" ;;
      *) java="${java%/*}/$target" ;;
    esac
  done
  (cd -P "${java%/*}/.." && pwd)
}
