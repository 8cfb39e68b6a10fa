// Run by the maven-invoker-plugin after the build. The forks found one broker for this build
// with nothing configured (each printed one line saying which), the check passed, and no broker
// process is left 30 s after the build.
def log = new File(basedir, 'build.log').text
def lines = (log =~ /\[ephemeral-junit\] broker pid (\d+) \((started|found)\) at (\S+) for scope "([^"]+)"/).collect { it }
assert lines.size() == 4 : 'one line per fork JVM, got ' + lines.collect { it[0] }
assert lines.collect { it[1] }.unique().size() == 1 : 'one broker for all four forks: ' + lines.collect { it[0] }
assert lines.count { it[2] == 'started' } == 1 : 'exactly one fork started it: ' + lines.collect { it[0] }
assert lines.collect { it[4] }.unique().size() == 1 && lines[0][4].startsWith('maven pid ')
assert new File(basedir, 'target/check-reports/TEST-com.example.zeroconfig.AfterTheForksCheck.xml').text.contains('failures="0"')
def broker = ProcessHandle.of(Long.parseLong(lines[0][1]))
if (broker.isPresent()) {
  broker.get().onExit().get(30, java.util.concurrent.TimeUnit.SECONDS)   // throws if it is still there
}
assert !new File(lines[0][3]).exists() : 'socket left behind: ' + lines[0][3]
return true
