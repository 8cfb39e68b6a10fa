// The published package's own module (no broker in it).
export * from '../node_modules/@ephemeral-broker/core/src/pipe-utils.js'
