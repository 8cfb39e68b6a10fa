// Decodes MessagePack bodies with msgpackr, the Node peers' encoder, for MsgpackrAgreementTest.
//
// Usage: node msgpackr-rules.mjs <file>
// The file holds one body per line in hex. For each, prints one line: JSON.stringify of what
// msgpackr's unpack gives, or "ERR <message>" when msgpackr refuses the body (or JSON.stringify
// refuses the value, e.g. a BigInt).

import { readFileSync } from 'node:fs'
import { unpack } from 'msgpackr'

const lines = readFileSync(process.argv[2], 'utf8').split('\n').filter((l) => l.length > 0)
for (const line of lines) {
  try {
    process.stdout.write(JSON.stringify(unpack(Buffer.from(line, 'hex'))) + '\n')
  } catch (e) {
    process.stdout.write('ERR ' + e.message.replace(/\n/g, ' ') + '\n')
  }
}
