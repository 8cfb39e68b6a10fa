// The Node Broker's public API, served by this repository's broker: start() runs
// `ephemeral-broker start --socket <pipe>` (serve mode) with the options as BROKER_* variables,
// stop() sends SIGTERM and waits until the socket is gone, drain() does the same and resolves.
// As with the Node broker, its log lines reach this process's console (some of the original
// tests count them there) and SIGINT/SIGTERM stop it and exit 0. Nothing of the Node broker runs
// here. Reading anything else of the Node Broker object (its store, signal handlers, metrics,
// logger, options, ...) throws NotApplicable: such a test checks the Node implementation, not
// what a client sees, and run.sh does not count it.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const LAUNCHER = process.env.EPHEMERAL_BROKER_LAUNCHER
if (!LAUNCHER) {
  throw new Error('set EPHEMERAL_BROKER_LAUNCHER to bin/ephemeral-broker (run.sh does)')
}

// Node option -> the variable our broker reads (the Node broker reads the same ones).
const VARIABLES = {
  defaultTTL: 'BROKER_DEFAULT_TTL',
  debug: 'BROKER_DEBUG',
  maxRequestSize: 'BROKER_MAX_REQUEST_SIZE',
  maxValueSize: 'BROKER_MAX_VALUE_SIZE',
  maxItems: 'BROKER_MAX_ITEMS',
  secret: 'BROKER_SECRET',
  requireTTL: 'BROKER_REQUIRE_TTL',
  refreshTTLOnGet: 'BROKER_REFRESH_TTL_ON_GET',
  idleTimeout: 'BROKER_IDLE_TIMEOUT',
  heartbeatInterval: 'BROKER_HEARTBEAT_INTERVAL',
  logLevel: 'BROKER_LOG_LEVEL',
  structuredLogging: 'BROKER_STRUCTURED_LOGGING',
  compression: 'BROKER_COMPRESSION',
  compressionThreshold: 'BROKER_COMPRESSION_THRESHOLD',
  sweeperInterval: 'BROKER_SWEEPER_INTERVAL',
  metrics: 'BROKER_METRICS'
}

const PUBLIC = new Set(['start', 'stop', 'drain', 'pipe', 'then'])

export class NotApplicable extends Error {}

// Brokers of this process: a test that fails before stop() must not leave one running.
const running = new Set()
process.on('exit', () => {
  for (const broker of running) broker.stop()
})
let signalsHandled = false
function handleSignals() {
  if (signalsHandled) return
  signalsHandled = true
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      for (const broker of running) broker.stop()
      process.exit(0)
    })
  }
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

class CliBroker {
  constructor(options = {}) {
    this.pipe = path.join(os.tmpdir(), `broker-${options.pipeId ?? randomBytes(8).toString('hex')}.sock`)
    this._options = options
    this._process = null
    this._exited = null
    this._log = null
    this._logRead = 0
    this._relay = null
  }

  async start() {
    const env = { ...process.env }
    for (const [option, variable] of Object.entries(VARIABLES)) {
      const value = this._options[option]
      if (value !== undefined && value !== null) env[variable] = String(value)
    }
    // Its log goes to a file, so that stop() can pass on every line before it returns.
    this._log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'broker-log-')), 'stderr')
    const logFd = fs.openSync(this._log, 'w')
    const child = spawn(LAUNCHER, ['start', '--socket', this.pipe], {
      env,
      stdio: ['ignore', 'pipe', logFd]
    })
    fs.closeSync(logFd)
    this._process = child
    this._exited = new Promise(resolve => child.once('exit', resolve))
    this._relay = setInterval(() => this._passOnLog(), 20)
    let output = ''
    let failedToStart
    await new Promise((resolve, reject) => {
      failedToStart = () => {
        // "Failed to start broker: Broker already running" -> the Node broker's message
        const errors = fs.readFileSync(this._log, 'utf8')
        const failed = errors.match(/Failed to start broker: (.*)/)
        this._finish()
        reject(new Error(failed ? failed[1] : `the broker exited: ${errors}`))
      }
      child.stdout.on('data', chunk => {
        output += chunk
        if (output.includes('Broker running on: ')) resolve()
      })
      child.once('exit', failedToStart)
    })
    child.off('exit', failedToStart)
    this._passOnLog() // "Broker started", before start() returns, as the Node broker logs it
    running.add(this)
    handleSignals()
    // Once up, the broker does not keep this process alive by itself (the exit handler stops it).
    child.unref()
    child.stdout.unref()
    this._relay.unref()
    process.env.EPHEMERAL_PIPE = this.pipe
    return this.pipe
  }

  async drain() {
    this.stop()
    await this._exited
    return true
  }

  stop() {
    if (!this._process || !running.has(this)) return
    running.delete(this)
    this._process.kill('SIGTERM')
    const deadline = Date.now() + 10000
    while (fs.existsSync(this.pipe) && Date.now() < deadline) sleep(5)
    this._finish()
  }

  /** Passes on the log lines written so far, then no more (the Node broker logs nothing later). */
  _finish() {
    clearInterval(this._relay)
    this._passOnLog()
    fs.rmSync(path.dirname(this._log), { recursive: true, force: true })
  }

  _passOnLog() {
    let text
    try {
      text = fs.readFileSync(this._log, 'utf8')
    } catch {
      return
    }
    const end = text.lastIndexOf('\n') + 1
    for (const line of text.slice(this._logRead, end).split('\n').slice(0, -1)) {
      if (line.includes('"level":"error"')) console.error(line)
      else if (line.includes('"level":"warn"')) console.warn(line)
      else console.log(line)
    }
    this._logRead = Math.max(this._logRead, end)
  }
}

export function Broker(options) {
  const broker = new CliBroker(options)
  return new Proxy(broker, {
    get(target, name) {
      if (typeof name === 'symbol' || PUBLIC.has(name)) {
        const value = target[name]
        return typeof value === 'function' ? value.bind(target) : value
      }
      throw new NotApplicable(`NotApplicable: the test reads broker.${String(name)} of the Node broker`)
    },
    set(target, name) {
      throw new NotApplicable(`NotApplicable: the test writes broker.${String(name)} of the Node broker`)
    }
  })
}
