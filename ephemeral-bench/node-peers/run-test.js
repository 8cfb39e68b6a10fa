// Runs one of ipc-bro's own performance tests (compiled by setup.sh) against a gateway that is
// already listening, and prints its result as one JSON line.
//
//   node run-test.js BUILD_DIR TEST SOCKET
//
// TEST is latency, throughput, concurrent, nested-call or stress. The tests start their own
// gateway in-process and connect to a fixed path; here startTestGateway returns a gateway that is
// already running elsewhere (ours or the original, each a process of its own) and createTestClient
// connects to SOCKET. Nothing else in the tests changes.
'use strict';
const path = require('path');

const [build, test, socket] = process.argv.slice(2);
const runners = {
  latency: 'runLatencyTest',
  throughput: 'runThroughputTest',
  concurrent: 'runConcurrentTest',
  'nested-call': 'runNestedCallTest',
  stress: 'runStressTest',
};
if (!build || !runners[test] || !socket) {
  console.error('usage: node run-test.js BUILD_DIR ' + Object.keys(runners).join('|') + ' SOCKET');
  process.exit(2);
}
const helpers = require(path.join(path.resolve(build), 'ipc-test', 'utils', 'test-helpers.js'));
const createTestClient = helpers.createTestClient;
helpers.startTestGateway = async () => ({ stop: async () => {} });
helpers.createTestClient = (serviceName) => createTestClient(serviceName, socket);

const mod = require(path.join(path.resolve(build), 'ipc-test', 'performance', test + '-test.js'));
// The tests print their own report boxes; only the line below is read.
mod[runners[test]]().then(
  (result) => {
    process.stdout.write('\nRESULT ' + JSON.stringify(result) + '\n', () => process.exit(0));
  },
  (error) => {
    console.error('test failed:', error);
    process.exit(1);
  },
);
