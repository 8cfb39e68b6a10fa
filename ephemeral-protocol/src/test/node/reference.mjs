// Reference behaviour of Node for the Java tests, one batch per process.
//
//   node reference.mjs canonicalize FILE
//     For each line of FILE (split on \n bytes, each line decoded as UTF-8 on its own like the
//     broker does): JSON.stringify(JSON.parse(line)), or ERR if JSON.parse throws.
//
//   node reference.mjs canonicalize-base64 FILE
//     Like canonicalize, but each line of FILE is the base64 of a document (which may then hold
//     any byte, newlines included).
//
//   node reference.mjs verify FILE
//     Each line of FILE is "<base64 secret bytes> <base64 request line>"; prints true or false:
//     whether the Node broker's HMAC check accepts the request with that secret.
//
// Output: one result per input line, each followed by \n.

import { readFileSync } from 'node:fs';
import { createHmac, timingSafeEqual } from 'node:crypto';

const [mode, file] = process.argv.slice(2);
const data = readFileSync(file);

const lines = [];
let start = 0;
for (let i = 0; i < data.length; i++) {
  if (data[i] === 0x0a) {
    lines.push(data.subarray(start, i));
    start = i + 1;
  }
}
if (start < data.length) lines.push(data.subarray(start));

function canonicalize(line) {
  try {
    return JSON.stringify(JSON.parse(line.toString('utf8')));
  } catch {
    return 'ERR';
  }
}

function brokerAccepts(secret, text) {
  let msg;
  try {
    msg = JSON.parse(text || '{}');
  } catch {
    return false;
  }
  if (!msg || !msg.hmac || typeof msg.hmac !== 'string') return false;
  const payload = { ...msg };
  delete payload.hmac;
  const expected = Buffer.from(
    createHmac('sha256', secret).update(JSON.stringify(payload)).digest('hex'), 'hex');
  const received = Buffer.from(msg.hmac, 'hex');
  return received.length === expected.length && timingSafeEqual(received, expected);
}

function verify(line) {
  const [secret, request] = line.toString('latin1').split(' ');
  return String(brokerAccepts(Buffer.from(secret, 'base64'),
    Buffer.from(request, 'base64').toString('utf8')));
}

const out = [];
for (const line of lines) {
  if (mode === 'canonicalize') out.push(canonicalize(line));
  else if (mode === 'canonicalize-base64') {
    out.push(canonicalize(Buffer.from(line.toString('latin1'), 'base64')));
  }
  else if (mode === 'verify') out.push(verify(line));
  else throw new Error(`unknown mode ${mode}`);
}
process.stdout.write(out.map((s) => s + '\n').join(''));
