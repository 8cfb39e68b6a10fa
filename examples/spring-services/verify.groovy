// Run by the maven-invoker-plugin after the build: the services ran, and their logs show one trace
// id across orders and inventory, and the audit that orders gave up on cancelled in inventory.
def log = new File(basedir, 'build.log').text
assert log.contains('Ephemeral broker started on') : 'ephemeral:start did not start a broker'
assert new File(basedir, 'target/surefire-reports/TEST-com.example.SpringServicesTest.xml').text.contains('failures="0"')

def lines = { name -> new File(basedir, "target/logs/${name}.log").readLines() }
def trace = { line -> def m = (line =~ /\[traceId=([0-9a-f]{32})\]/); assert m.find() : "no trace id in: $line"; m.group(1) }
def first = { name, text -> def l = lines(name).find { it.contains(text) }; assert l : "no '$text' in $name.log"; l }

assert trace(first('orders', 'placing an order of 2 x book')) == trace(first('inventory', 'reserving 2 x book'))
assert trace(first('orders', 'gave up on the audit of book')) == trace(first('inventory', 'audit of book cancelled'))
assert first('inventory', 'audit of book cancelled').contains('cancelled=true')
return true
