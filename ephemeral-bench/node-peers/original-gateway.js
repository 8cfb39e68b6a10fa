// The original Node gateway (ipc-bro's IPCServer, compiled by setup.sh) as a process of its own,
// configured as ipc-bro's performance tests configure it; stops when its standard input closes.
//
//   node original-gateway.js BUILD_DIR SOCKET
'use strict';
const path = require('path');

const [build, socket] = process.argv.slice(2);
const { IPCServer } = require(path.join(path.resolve(build), 'core', 'ipc-server.js'));
const server = new IPCServer({ socketPath: socket, debug: false, timeout: 30000 });
server.start().then(() => {
  process.stdout.write('ready\n');
  process.stdin.resume();
  process.stdin.on('end', () => {
    server.stop().finally(() => process.exit(0));
  });
});
