// Run by the maven-invoker-plugin after the build: the plugin started and stopped the broker,
// the check ran, and the socket is gone.
def log = new File(basedir, 'build.log').text
def started = (log =~ /Ephemeral broker started on (\S+)/)
assert started.find() : 'ephemeral:start did not start a broker'
def pipe = new File(started.group(1))
assert log.contains('Ephemeral broker on ' + pipe + ' stopped')
assert !pipe.exists() && !pipe.parentFile.exists() : 'socket left behind: ' + pipe
assert new File(basedir, 'target/check-reports/TEST-com.example.patterns.PatternsCheck.xml').text.contains('failures="0"')
// The BOM this build imported, as published: flattened, so it manages our modules and nothing else.
def bom = new File(localRepositoryPath, "io/ephemeral/ephemeral-bom/${ephemeralVersion}/ephemeral-bom-${ephemeralVersion}.pom").text
assert !bom.contains('<parent>') : 'the published BOM has a parent, whose dependencyManagement it would impose'
def groups = (bom =~ /<groupId>([^<]+)<\/groupId>/).collect { it[1] }.unique()
assert groups == ['io.ephemeral'] : 'the BOM manages more than our modules: ' + groups
return true
