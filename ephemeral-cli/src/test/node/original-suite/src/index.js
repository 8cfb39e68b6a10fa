// The original package's entry point with its Broker replaced by ours (broker.js).
export { Broker } from './broker.js'
export { Client, makePipePath, cleanupPipe, checkReadiness } from '@ephemeral-broker/core'
