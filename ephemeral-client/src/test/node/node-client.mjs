// A stand-in for the Node `ephemeral-broker` Client, with no npm dependencies: it speaks the
// protocol exactly as that client does (one connection per request, one line out, read to the
// first newline, socket.end(); HMAC over JSON.stringify(payload); gzip+base64 above the
// compression threshold; retries on connection errors).
//
// Usage: node node-client.mjs <pipe> <secret|-> '<JSON array of operations>'
// Operations: {"op":"set","key":k,"value":v,"ttl":ms}  {"op":"get","key":k}
//   {"op":"stored","key":k} (get without decompressing: {compressed, value})
//   {"op":"del","key":k}  {"op":"list"}  {"op":"ping"}
//   {"op":"lease","key":k,"workerId":w,"ttl":ms}  {"op":"release","workerId":w}
//   {"op":"options","compression":bool,"compressionThreshold":n} (applies to later operations)
// Prints one JSON array: per operation {"ok":true,"result":...} or {"ok":false,"error":msg}.

import net from 'node:net'
import crypto from 'node:crypto'
import zlib from 'node:zlib'
import { promisify } from 'node:util'

const gzip = promisify(zlib.gzip)
const gunzip = promisify(zlib.gunzip)

class Client {
  constructor (pipe, options) {
    this.pipe = pipe
    this.options = { timeout: 5000, secret: null, compression: true, compressionThreshold: 1024, ...options }
  }

  async request (payload) {
    const retryDelays = [50, 100, 200, 400, 800]
    let lastError = null
    for (let attempt = 0; attempt <= retryDelays.length; attempt++) {
      try {
        return await this._attemptRequest(payload)
      } catch (err) {
        lastError = err
        const retryable = ['ECONNREFUSED', 'ENOENT', 'EPIPE', 'ETIMEDOUT'].includes(err.code)
        if (!retryable || attempt === retryDelays.length) throw err
        await new Promise(resolve => setTimeout(resolve, retryDelays[attempt]))
      }
    }
    throw lastError
  }

  _attemptRequest (payload) {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection(this.pipe)
      let buffer = ''
      let timer
      socket.on('connect', () => {
        const message = this.options.secret ? this.addHMAC(payload) : payload
        socket.write(JSON.stringify(message) + '\n')
        timer = setTimeout(() => {
          socket.destroy()
          const err = new Error('Request timeout')
          err.code = 'ETIMEDOUT'
          reject(err)
        }, this.options.timeout)
      })
      socket.on('data', chunk => {
        buffer += chunk.toString('utf8')
        const idx = buffer.indexOf('\n')
        if (idx >= 0) {
          clearTimeout(timer)
          const line = buffer.slice(0, idx)
          socket.end()
          try {
            const response = JSON.parse(line)
            if (response.ok) resolve(response)
            else reject(new Error(response.error || 'Request failed'))
          } catch (err) {
            reject(new Error(`Invalid response: ${err.message}`))
          }
        }
      })
      socket.on('error', err => {
        clearTimeout(timer)
        reject(err)
      })
    })
  }

  addHMAC (payload) {
    const hmac = crypto.createHmac('sha256', this.options.secret).update(JSON.stringify(payload)).digest('hex')
    return { ...payload, hmac }
  }

  async get (key) {
    const response = await this.request({ action: 'get', key })
    if (response.compressed) {
      const decompressed = await gunzip(Buffer.from(response.value, 'base64'))
      return JSON.parse(decompressed.toString('utf8'))
    }
    return response.value
  }

  async stored (key) {
    const response = await this.request({ action: 'get', key })
    return { compressed: response.compressed, value: response.value }
  }

  async set (key, value, ttl) {
    const serialized = JSON.stringify(value)
    let finalValue = value
    let compressed = false
    let beforeSize = 0
    let afterSize = 0
    if (this.options.compression && serialized.length >= this.options.compressionThreshold) {
      beforeSize = serialized.length
      finalValue = (await gzip(Buffer.from(serialized, 'utf8'))).toString('base64')
      afterSize = finalValue.length
      compressed = true
    }
    await this.request({ action: 'set', key, value: finalValue, ttl, compressed, beforeSize, afterSize })
    return true
  }

  async del (key) {
    await this.request({ action: 'del', key })
    return true
  }

  async list () {
    return (await this.request({ action: 'list' })).items
  }

  async ping () {
    return (await this.request({ action: 'ping' })).pong
  }

  async lease (key, workerId, ttl) {
    return (await this.request({ action: 'lease', key, workerId, ttl })).value
  }

  async release (workerId) {
    return (await this.request({ action: 'release', workerId })).released
  }
}

const [pipe, secret, opsJson] = process.argv.slice(2)
if (!pipe || !secret || !opsJson) {
  console.error("usage: node node-client.mjs <pipe> <secret|-> '<JSON array of operations>'")
  process.exit(2)
}
const client = new Client(pipe, { secret: secret === '-' ? null : secret })
const results = []
for (const op of JSON.parse(opsJson)) {
  try {
    let result
    switch (op.op) {
      case 'set': result = await client.set(op.key, op.value, op.ttl); break
      case 'get': result = await client.get(op.key); break
      case 'stored': result = await client.stored(op.key); break
      case 'del': result = await client.del(op.key); break
      case 'list': result = await client.list(); break
      case 'ping': result = await client.ping(); break
      case 'lease': result = await client.lease(op.key, op.workerId, op.ttl); break
      case 'release': result = await client.release(op.workerId); break
      case 'options': {
        const { op: _, ...rest } = op
        Object.assign(client.options, rest)
        result = true
        break
      }
      default: throw new Error(`unknown operation ${op.op}`)
    }
    results.push({ ok: true, result: result === undefined ? null : result })
  } catch (err) {
    results.push({ ok: false, error: err.message })
  }
}
console.log(JSON.stringify(results))
