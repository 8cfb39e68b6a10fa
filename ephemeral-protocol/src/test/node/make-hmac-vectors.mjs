// Prints HMAC test vectors for the KV protocol as a JSON array, computed by Node itself.
//
// Each vector: {name, secret, request, canonical, hmac, accepted}
//   request   - a request line as a client might send it (without the trailing newline)
//   canonical - JSON.stringify(JSON.parse(request)) with the top-level hmac member deleted
//   hmac      - createHmac('sha256', secret).update(canonical).digest('hex')
//   accepted  - whether the Node broker's verification accepts request
//
// Usage: node make-hmac-vectors.mjs > ../resources/hmac-vectors.json
// Deterministic and dependency-free: the Java tests run it and compare with the committed file.

import { createHmac, timingSafeEqual } from 'node:crypto';

const SECRET = 'test-secret';

function sign(secret, text) {
  return createHmac('sha256', secret).update(text).digest('hex');
}

// The Node broker's check, step by step: parse, msg.hmac must be a non-empty string, delete it
// from a copy, JSON.stringify the rest, compare Buffer.from(hex) with length check and
// timingSafeEqual.
function brokerAccepts(secret, line) {
  const msg = JSON.parse(line || '{}');
  if (!msg || !msg.hmac || typeof msg.hmac !== 'string') return false;
  const payload = { ...msg };
  delete payload.hmac;
  const expected = Buffer.from(sign(secret, JSON.stringify(payload)), 'hex');
  const received = Buffer.from(msg.hmac, 'hex');
  if (received.length !== expected.length) return false;
  return timingSafeEqual(received, expected);
}

function canonicalWithoutHmac(line) {
  const msg = JSON.parse(line);
  delete msg.hmac;
  return JSON.stringify(msg);
}

const vectors = [];

function add(name, secret, request) {
  const canonical = canonicalWithoutHmac(request);
  vectors.push({
    name,
    secret,
    request,
    canonical,
    hmac: sign(secret, canonical),
    accepted: brokerAccepts(secret, request),
  });
}

// What the Node client sends: JSON.stringify({...payload, hmac}), signed over JSON.stringify(payload).
function client(name, payload, secret = SECRET) {
  const hmac = sign(secret, JSON.stringify(payload));
  const request = JSON.stringify({ ...payload, hmac });
  if (!brokerAccepts(secret, request)) throw new Error(`client vector not accepted: ${name}`);
  add(`client: ${name}`, secret, request);
}

// Hand-written request text. @HMAC@ marks where the member "hmac":"<hex>" goes; hex() maps the
// correct digest to what is actually sent (e.g. uppercased, truncated). A template without
// @HMAC@ is sent as is.
function raw(name, template, { secret = SECRET, hex = (h) => h } = {}) {
  let request = template;
  if (template.includes('@HMAC@')) {
    const canonical = canonicalWithoutHmac(template.replace('@HMAC@', '"hmac":"x"'));
    request = template.replace('@HMAC@', `"hmac":"${hex(sign(secret, canonical))}"`);
  }
  add(name, secret, request);
}

// ---- every payload shape of the Node client ----
client('set', { action: 'set', key: 'config', value: 'hello', ttl: 60000, compressed: false });
client('set compressed', {
  action: 'set', key: 'big', value: 'H4sIAAAAAAAAA8tIzcnJBwCGphA2BQAAAA==', ttl: 300000,
  compressed: true, beforeSize: 2048, afterSize: 312,
});
client('set without ttl', { action: 'set', key: 'k', value: 'v', compressed: false });
client('set object value', {
  action: 'set', key: 'obj', value: { nested: { list: [1, 'two', null, true, { x: 1.5 }] } },
  ttl: 1000, compressed: false,
});
client('get', { action: 'get', key: 'config' });
client('del', { action: 'del', key: 'config' });
client('lease', { action: 'lease', key: 'shard-1', workerId: 'worker-7', ttl: 30000 });
client('release', { action: 'release', workerId: 'worker-7' });
client('ping', { action: 'ping' });
client('stats', { action: 'stats' });
client('list', { action: 'list' });
client('health', { action: 'health' });
client('metrics', { action: 'metrics' });
client('empty payload', {});
client('long secret', { action: 'ping' }, 'k'.repeat(100));
client('unicode secret', { action: 'ping' }, 'sécret-鍵-🔑');
client('lone surrogate in secret', { action: 'ping' }, 'secret-\ud800');
client('unicode value', { action: 'set', key: 'ключ', value: '😀 漢字 e\u0301 \u2028\u2029', ttl: 5 });

// ---- unicode and escapes ----
raw('emoji raw', '{"action":"set","key":"emoji 😀","value":"👍🏽 👨‍👩‍👧 🇺🇳","ttl":1000,@HMAC@}');
raw('emoji escaped', String.raw`{"action":"set","key":"\ud83d\ude00","value":"\uD83D\uDC4D",@HMAC@}`);
raw('CJK', '{"action":"set","key":"漢字","value":"かな カナ 한국어 中文","ttl":1000,@HMAC@}');
raw('combining marks', '{"action":"set","key":"e\u0301","value":"A\u030a n\u0303 Z\u0335\u0321","ttl":1,@HMAC@}');
raw('U+2028 and U+2029 raw', '{"action":"set","key":"sep","value":"a\u2028b\u2029c",@HMAC@}');
raw('U+2028 and U+2029 escaped', String.raw`{"action":"set","key":"sep","value":"a\u2028b\u2029c",@HMAC@}`);
raw('escaped e-acute', String.raw`{"action":"get","key":"caf\u00e9",@HMAC@}`);
raw('raw e-acute', '{"action":"get","key":"café",@HMAC@}');
raw('uppercase escape', String.raw`{"action":"get","key":"CAF\u00C9",@HMAC@}`);
raw('control characters', String.raw`{"action":"set","key":"ctl","value":"\u0000\u0001\u0007\b\t\n\u000b\f\r\u000e\u001f\u0020\u007f\"\\\/",@HMAC@}`);
raw('short escapes', String.raw`{"action":"set","key":"esc","value":"\b\f\n\r\t\"\\\/",@HMAC@}`);
raw('DEL and C1 raw', '{"action":"set","key":"del","value":"\u007f\u0080\u009f\u00a0",@HMAC@}');
raw('lone high surrogate', String.raw`{"action":"set","key":"\ud800","value":"x\udbffy",@HMAC@}`);
raw('lone low surrogate', String.raw`{"action":"set","key":"k","value":"\udc00\udfff",@HMAC@}`);
raw('reversed surrogates', String.raw`{"action":"set","key":"k","value":"\udc00\ud800",@HMAC@}`);
raw('high surrogate then text', String.raw`{"action":"set","key":"k","value":"\ud83dx",@HMAC@}`);
raw('surrogate pair from escapes', String.raw`{"action":"set","key":"k","value":"\uDBFF\uDFFF",@HMAC@}`);
raw('lone surrogates in keys', String.raw`{"action":"set","key":"k","value":{"\ud83d":1,"a\udc00b":2,"\ud800\\":3,"\\ud800":4,"\ud83d\ude00":5},@HMAC@}`);
raw('U+FDD0 next to lone surrogates', String.raw`{"action":"set","key":"\ufdd0\ud800","value":{"\uFDD0\udfff":"﷐\ud800﷐"},@HMAC@}`);
raw('escaped key', String.raw`{"\u0061ction":"get","k\u0065y":"k",@HMAC@}`);
raw('BMP private use and noncharacters', '{"action":"set","key":"k","value":"\ue000\ufdd0\ufffe\uffff\ufeff",@HMAC@}');

// ---- structure ----
raw('nested objects and arrays', '{"action":"set","key":"tree","value":{"a":[{"b":[[],{}]},[1,[2,[3]]]],"c":{"d":{"e":{}}}},"ttl":1,@HMAC@}');
raw('nested hmac is kept', '{"action":"set","key":"k","value":{"hmac":"inner","list":[{"hmac":1}]},@HMAC@}');
raw('empty containers', '{"action":"set","key":"k","value":[{},[],"",0,false,null],@HMAC@}');
raw('integer-like keys', '{"10":1,"2":2,"01":3,"-1":4,"4294967294":5,"4294967295":6,"b":7,"a":8,@HMAC@}');
raw('integer-like keys nested', '{"action":"set","key":"k","value":{"z":0,"1.0":1,"1":2,"0":3,"":4,"00":5,"9007199254740993":6,"1e3":7,"4294967293":8," 1":9},@HMAC@}');
raw('__proto__ key', '{"action":"set","key":"k","value":{"__proto__":{"polluted":true},"constructor":1},"__proto__":[1],@HMAC@}');
raw('duplicate keys', '{"action":"get","key":"first","ttl":1,"key":"last","a":1,"ttl":2,@HMAC@}');
raw('duplicate keys nested', '{"action":"set","key":"k","value":{"x":1,"y":2,"x":{"x":3,"x":4},"5":1,"5":2},@HMAC@}');
raw('duplicate hmac, last wins', '{"hmac":"0000","action":"ping",@HMAC@}');

// ---- numbers ----
raw('numbers', '{"action":"set","key":"n","value":[1e21,1E21,0.1,1E3,60000.0,-0,1e-7,1.5e-7,123456789012345678901,5e-324,1.7976931348623157e308,1e400],"ttl":60000.0,@HMAC@}');
raw('more numbers', '{"action":"set","key":"n","value":[-1e400,0.000001,0.0000001,1e20,1e-6,-0.0,0e10,-0E-0,2.5E+3,9007199254740993,12345678901234567890,1.0000000000000002,4.9e-324,2.2250738585072014e-308,1e-323,100e-2,0.30000000000000004,1.5e300,-123.456e-10],@HMAC@}');
raw('extreme exponents', '{"action":"set","key":"n","value":[1e0000000000000000000000001,1e-99999999999999999999,0e99999999999999999999,1e99999999999999999999,-1e99999999999999999999,2.4703282292062327e-324,2.4703282292062328e-324],@HMAC@}');
raw('ttl 1E3', '{"action":"set","key":"k","value":"v","ttl":1E3,@HMAC@}');

// ---- hmac placement and encoding ----
raw('hmac first', '{@HMAC@,"action":"get","key":"k"}');
raw('hmac middle', '{"action":"get",@HMAC@,"key":"k"}');
raw('hmac last', '{"action":"get","key":"k",@HMAC@}');
raw('hmac only', '{@HMAC@}');
raw('whitespace inside', ' \t{ "action" :\t"set" ,\n "key":"k" , "value" : [ 1 , 2 ] , @HMAC@ }\t ');
raw('trailing carriage return', '{"action":"ping",@HMAC@}\r');
raw('uppercase hex', '{"action":"ping",@HMAC@}', { hex: (h) => h.toUpperCase() });
raw('mixed case hex', '{"action":"ping",@HMAC@}', { hex: (h) => h.slice(0, 32).toUpperCase() + h.slice(32) });
raw('digest followed by zz', '{"action":"ping",@HMAC@}', { hex: (h) => h + 'zz' });
raw('digest followed by one hex digit', '{"action":"ping",@HMAC@}', { hex: (h) => h + 'a' });
raw('digest followed by z', '{"action":"ping",@HMAC@}', { hex: (h) => h + 'z' });

// ---- rejected ----
raw('33rd byte', '{"action":"ping",@HMAC@}', { hex: (h) => h + 'ab' });
raw('31 bytes', '{"action":"ping",@HMAC@}', { hex: (h) => h.slice(0, 62) });
raw('63 hex digits', '{"action":"ping",@HMAC@}', { hex: (h) => h.slice(0, 63) });
raw('garbage in the middle', '{"action":"ping",@HMAC@}', { hex: (h) => h.slice(0, 20) + 'zz' + h.slice(22) });
raw('one byte changed', '{"action":"ping",@HMAC@}', {
  hex: (h) => h.slice(0, 10) + (h[10] === '0' ? '1' : '0') + h.slice(11),
});
raw('wrong secret', '{"action":"ping",@HMAC@}', { hex: () => sign('other-secret', '{"action":"ping"}') });
raw('signed over raw text', '{ "action": "ping", "n": 1E3, @HMAC@ }', {
  hex: () => sign(SECRET, '{ "action": "ping", "n": 1E3 }'),
});
raw('signed with hmac member order', '{"b":1,"a":2,@HMAC@}', { hex: () => sign(SECRET, '{"a":2,"b":1}') });
raw('odd-length garbage', '{"action":"ping","hmac":"abc"}');
raw('non-hex garbage', '{"action":"ping","hmac":"not-a-hex-digest"}');
raw('empty hmac', '{"action":"ping","hmac":""}');
raw('missing hmac', '{"action":"ping"}');
raw('numeric hmac', '{"action":"ping","hmac":123}');
raw('array hmac', '{"action":"ping","hmac":["00"]}');
raw('object hmac', '{"action":"ping","hmac":{"hex":"00"}}');
raw('true hmac', '{"action":"ping","hmac":true}');
raw('null hmac', '{"action":"ping","hmac":null}');

process.stdout.write(JSON.stringify(vectors, null, 2) + '\n');
