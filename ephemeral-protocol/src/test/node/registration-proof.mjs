// Prints the gateway registration proof for the secret argv[2] and each JSON-encoded service name
// that follows it, one per line: HMAC-SHA256 over JSON.stringify({type, serviceName}), in hex.
import { createHmac } from 'node:crypto';

const [secret, ...names] = process.argv.slice(2);
for (const name of names) {
  const payload = JSON.stringify({ type: 'REGISTER', serviceName: JSON.parse(name) });
  console.log(createHmac('sha256', secret).update(payload).digest('hex'));
}
