// Runs the suite under the CLI: bin/ephemeral-broker start -- mvn -B verify
// (brokerScript, settingsRepo come from the invoker's scriptVariables).
def mvn = new File(System.getProperty('maven.home'), 'bin/mvn').path
def settings = new File(basedir, 'cli-settings.xml')
def repoUrl = new File(settingsRepo).toURI().toString()
settings.text = """<settings><profiles><profile><id>r</id>
  <activation><activeByDefault>true</activeByDefault></activation>
  <repositories><repository><id>local.central</id><url>${repoUrl}</url></repository></repositories>
  <pluginRepositories><pluginRepository><id>local.central</id><url>${repoUrl}</url></pluginRepository></pluginRepositories>
</profile></profiles></settings>"""
def cmd = [brokerScript, 'start', '--', mvn, '-B', '-s', settings.path,
           '-Dmaven.repo.local=' + localRepositoryPath, '-Dephemeral.version=' + ephemeralVersion, 'verify']
def env = System.getenv().findAll { k, v -> k != 'EPHEMERAL_PIPE' && k != 'MAVEN_OPTS' }.collect { k, v -> "$k=$v" }
def proc = cmd.execute(env, basedir)
def out = new StringBuilder()
proc.consumeProcessOutput(out, out)
if (!proc.waitFor(180, java.util.concurrent.TimeUnit.SECONDS)) {
  proc.destroy()
  throw new AssertionError('cli-run timed out:\n' + out)
}
new File(basedir, 'cli-build.log').text = out.toString()
assert proc.exitValue() == 0 : 'cli-run failed:\n' + out
assert out.contains('BUILD SUCCESS')
assert new File(basedir, 'target/check-reports/TEST-com.example.patterns.PatternsCheck.xml').text.contains('failures="0"')
return true
