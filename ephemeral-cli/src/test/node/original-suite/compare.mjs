// Compares the original suite's results against the original Node broker (the baseline) and
// against ours. A check is counted when it passed on the Node broker, does not read the Node
// broker's internals, and does not assert a behaviour this broker changes on purpose (below, as
// docs/node-compatibility.md explains); the counted checks that fail on ours are listed.
import fs from 'node:fs'

const DELIBERATE = {
  'require-ttl.test.js: should accept TTL = 0 when requireTTL is false (uses defaultTTL)':
    'ttl 0 is invalid_ttl, also without requireTTL (review issue #8)',
  'ttl-enforcement.test.js: should accept set() with TTL = 0 (zero is a valid TTL)':
    'ttl 0 is invalid_ttl, also without requireTTL (review issue #8)',
  'stale-socket.test.js':
    'a regular file at the socket path is not deleted; the broker refuses to start'
}

const [baselineFile, oursFile] = process.argv.slice(2)
const baseline = JSON.parse(fs.readFileSync(baselineFile, 'utf8'))
const ours = JSON.parse(fs.readFileSync(oursFile, 'utf8'))
const counted = []
const notApplicable = []
const failsOnNode = []
const deliberate = []
for (const [name, result] of Object.entries(ours)) {
  if (result.status === 'n/a') notApplicable.push(name)
  else if (DELIBERATE[name]) deliberate.push(name)
  else if (baseline[name]?.status !== 'passed') failsOnNode.push(name)
  else counted.push(name)
}
const failed = counted.filter(name => ours[name].status !== 'passed')
for (const name of failed) console.log(`FAIL  ${name}: ${ours[name].reason}`)
console.log(
  `\ncounted checks: ${counted.length}, passed ${counted.length - failed.length}, failed ${failed.length}`
)
console.log(`not counted, read the Node broker's internals: ${notApplicable.length}`)
console.log(`not counted, assert what this broker changes on purpose: ${deliberate.length}`)
for (const name of deliberate) console.log(`  ${name}: ${ours[name].status}; ${DELIBERATE[name]}`)
console.log(`not counted, fail on the Node broker itself: ${failsOnNode.length}`)
for (const name of failsOnNode) console.log(`  ${name}: ${baseline[name]?.reason ?? 'not run'}`)
