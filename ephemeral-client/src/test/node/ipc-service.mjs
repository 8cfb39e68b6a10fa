// A stand-in for the Node `ipc-bro` IPCClient: it speaks the gateway protocol exactly as that
// client does, so the Java service client can be tested against it.
//
//  - frames [u32 big-endian length][body]; bodies are JSON.stringify text or msgpackr's default
//    pack (objects as map16, integers >= 2^32 as float64; int64 decodes to BigInt);
//  - REGISTER {type, serviceName, methods, version: "1.0.0", metadata: {}} then waits for
//    REGISTER_ACK; a HEARTBEAT {type, from, timestamp} every heartbeat interval;
//  - call(): context = override ?? a fresh {root, chain: [self], depth: 1, deadline: now + timeout},
//    extended with the caller's own name (chain + self, depth + 1); deadline passed ->
//    DEADLINE_EXCEEDED and depth > 100 -> MAX_DEPTH_EXCEEDED before sending; timeout =
//    min(time left, timeout) -> TIMEOUT "Request timeout after <n>ms";
//  - RESPONSE resolves/rejects the pending call (code ?? EXECUTION_FAILED); ERROR frames are NOT
//    matched to calls (only reported as gateway-error), as in the original;
//  - incoming CALL: unknown method -> METHOD_NOT_FOUND "Method '<m>' not found"; deadline passed
//    -> DEADLINE_EXCEEDED; handler throw -> {message, code: err.code, stack}.
//
// Usage: node ipc-service.mjs <gatewayPath> <json|msgpack> <serviceName> [<JSON array of commands>]
// With a commands argument it runs them and exits; otherwise it reads one JSON command per line
// from stdin. It prints {"event":"ready"} once registered, then one JSON line per command:
//   {"op":"call","to":s,"method":m,"params":p,"timeout":ms?} -> {"ok":true,"result":r,"ms":n}
//                                            or {"ok":false,"code":c,"message":m,"ms":n}
//   {"op":"exit"}
// Methods served: echo, add {a,b}, fail {message, code}, failPlain {message}, whoami (returns
// {service, context}), types (typeof of each param and of context.depth/deadline), hang (prints
// {"event":"hanging"} and never answers), callBack {service, method, params} (a nested call in
// the received context).

import net from 'node:net'
import readline from 'node:readline'
import { pack, unpack } from 'msgpackr'

const [gatewayPath, serializerName, serviceName, commandsArg] = process.argv.slice(2)
if (!gatewayPath || !serviceName || !['json', 'msgpack'].includes(serializerName)) {
  console.error('usage: node ipc-service.mjs <gatewayPath> <json|msgpack> <serviceName> [commands]')
  process.exit(2)
}

const serializer = serializerName === 'msgpack'
  ? { serialize: (m) => pack(m), deserialize: (b) => unpack(b) }
  : { serialize: (m) => Buffer.from(JSON.stringify(m), 'utf8'), deserialize: (b) => JSON.parse(b.toString('utf8')) }

class IPCError extends Error {
  constructor (message, code, details) {
    super(message)
    this.code = code
    this.details = details
  }
}

const generateId = () => `req-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`
const generateRootId = () => `root-${Date.now()}-${Math.random().toString(36).slice(2, 10)}`

function frame (message) {
  const body = serializer.serialize(message)
  const header = Buffer.alloc(4)
  header.writeUInt32BE(body.length, 0)
  return Buffer.concat([header, body])
}

class IPCClient {
  constructor (config) {
    this.config = { timeout: 30000, heartbeatInterval: 30000, ...config }
    this.methods = new Map()
    this.pending = new Map()
    this.receiveBuffer = Buffer.alloc(0)
    this.connected = false
  }

  registerMethod (name, handler) { this.methods.set(name, handler) }

  connect () {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection(this.config.gatewayPath)
      this.socket = socket
      const timer = setTimeout(() => reject(new IPCError('Registration timeout', 'CONNECTION_FAILED')), 5000)
      this.onRegistered = () => { clearTimeout(timer); resolve() }
      socket.on('connect', () => {
        this.connected = true
        this.send({
          type: 'REGISTER',
          serviceName: this.config.serviceName,
          methods: [...this.methods.keys()],
          version: '1.0.0',
          metadata: {}
        })
        this.heartbeat = setInterval(() => {
          this.send({ type: 'HEARTBEAT', from: this.config.serviceName, timestamp: Date.now() })
        }, this.config.heartbeatInterval)
      })
      socket.on('data', (chunk) => this.onData(chunk))
      socket.on('error', (err) => { clearTimeout(timer); reject(new IPCError(err.message, 'CONNECTION_FAILED')) })
      socket.on('close', () => {
        clearInterval(this.heartbeat)
        this.connected = false
        for (const [id, p] of this.pending) {
          clearTimeout(p.timer)
          p.reject(new IPCError('Connection closed', 'CONNECTION_LOST'))
          this.pending.delete(id)
        }
        emit({ event: 'disconnected' })
        process.exit(3)
      })
    })
  }

  send (message) { this.socket.write(frame(message)) }

  onData (chunk) {
    this.receiveBuffer = Buffer.concat([this.receiveBuffer, chunk])
    while (this.receiveBuffer.length >= 4) {
      const length = this.receiveBuffer.readUInt32BE(0)
      if (this.receiveBuffer.length < 4 + length) return
      const body = this.receiveBuffer.subarray(4, 4 + length)
      this.receiveBuffer = this.receiveBuffer.subarray(4 + length)
      let message
      try {
        message = serializer.deserialize(body)
      } catch (err) {
        console.error('ipc-service: undecodable frame:', err.message)
        continue
      }
      this.onMessage(message)
    }
  }

  onMessage (message) {
    switch (message.type) {
      case 'REGISTER_ACK': this.onRegistered?.(); break
      case 'CALL': this.handleCall(message); break
      case 'RESPONSE': this.handleResponse(message); break
      case 'ERROR': console.error('ipc-service: gateway-error', JSON.stringify(message.error)); break
      default: console.error('ipc-service: unknown message type', message.type)
    }
  }

  async handleCall (message) {
    const { id, from, method, params, context } = message
    const respond = (fields) => {
      try {
        this.send({ type: 'RESPONSE', id, from: this.config.serviceName, to: from, ...fields, context })
      } catch (err) {
        console.error('ipc-service: cannot respond:', err.message)
      }
    }
    const handler = this.methods.get(method)
    if (!handler) {
      respond({ status: 'error', error: { message: `Method '${method}' not found`, code: 'METHOD_NOT_FOUND' } })
      return
    }
    if (Date.now() > context.deadline) {
      respond({ status: 'error', error: { message: 'Request deadline exceeded', code: 'DEADLINE_EXCEEDED' } })
      return
    }
    try {
      const data = await handler(params, context)
      respond({ status: 'success', data })
    } catch (err) {
      respond({ status: 'error', error: { message: err.message, code: err.code, stack: err.stack } })
    }
  }

  handleResponse (message) {
    const p = this.pending.get(message.id)
    if (!p) return
    this.pending.delete(message.id)
    clearTimeout(p.timer)
    if (message.status === 'success') {
      p.resolve(message.data)
    } else {
      p.reject(new IPCError(message.error.message, message.error.code ?? 'EXECUTION_FAILED', message.error))
    }
  }

  call (to, method, params = {}, contextOverride) {
    return new Promise((resolve, reject) => {
      if (!this.connected) {
        reject(new IPCError('Not connected to Gateway', 'NOT_CONNECTED'))
        return
      }
      const self = this.config.serviceName
      const base = contextOverride ?? {
        root: generateRootId(), chain: [self], depth: 1, deadline: Date.now() + this.config.timeout
      }
      const context = { root: base.root, chain: [...base.chain, self], depth: base.depth + 1, deadline: base.deadline }
      if (Date.now() > context.deadline) {
        reject(new IPCError('Request deadline exceeded', 'DEADLINE_EXCEEDED'))
        return
      }
      if (context.depth > 100) {
        reject(new IPCError('Maximum call depth exceeded', 'MAX_DEPTH_EXCEEDED'))
        return
      }
      const id = generateId()
      const timeout = Math.min(context.deadline - Date.now(), this.config.timeout)
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new IPCError(`Request timeout after ${timeout}ms`, 'TIMEOUT'))
      }, timeout)
      this.pending.set(id, { resolve, reject, timer })
      try {
        this.send({ type: 'CALL', id, from: self, to, method, params, context })
      } catch (err) {
        clearTimeout(timer)
        this.pending.delete(id)
        reject(new IPCError(err.message, 'SERIALIZATION_FAILED'))
      }
    })
  }
}

function emit (line) {
  process.stdout.write(JSON.stringify(line) + '\n')
}

const client = new IPCClient({ serviceName, gatewayPath })

client.registerMethod('echo', async (params) => params)
client.registerMethod('add', async ({ a, b }) => a + b)
client.registerMethod('fail', async ({ message, code }) => {
  throw Object.assign(new Error(message), { code })
})
client.registerMethod('failPlain', async ({ message }) => { throw new Error(message) })
client.registerMethod('whoami', async (params, context) => ({ service: serviceName, context }))
client.registerMethod('types', async (params, context) => ({
  params: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, typeof v])),
  depth: typeof context.depth,
  deadline: typeof context.deadline
}))
client.registerMethod('hang', () => {
  emit({ event: 'hanging' })
  return new Promise(() => {})
})
client.registerMethod('callBack', async ({ service, method, params }, context) => {
  const nested = await client.call(service, method, params, context)
  return { nested, context }
})

async function run (command) {
  switch (command.op) {
    case 'call': {
      const start = Date.now()
      if (command.timeout) client.config.timeout = command.timeout
      try {
        const result = await client.call(command.to, command.method, command.params)
        return { ok: true, result, ms: Date.now() - start }
      } catch (err) {
        return { ok: false, code: err.code, message: err.message, ms: Date.now() - start }
      }
    }
    case 'exit':
      process.exit(0)
      break
    default:
      return { ok: false, code: 'BAD_COMMAND', message: `unknown op ${command.op}` }
  }
}

try {
  await client.connect()
} catch (err) {
  emit({ event: 'error', code: err.code, message: err.message })
  process.exit(1)
}
emit({ event: 'ready' })

if (commandsArg) {
  for (const command of JSON.parse(commandsArg)) {
    emit(await run(command))
  }
  process.exit(0)
} else {
  const lines = readline.createInterface({ input: process.stdin })
  let queue = Promise.resolve()
  lines.on('line', (line) => {
    if (!line.trim()) return
    queue = queue.then(async () => emit(await run(JSON.parse(line))))
  })
  lines.on('close', () => queue.then(() => process.exit(0)))
}
