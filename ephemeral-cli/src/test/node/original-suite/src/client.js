export { Client } from '@ephemeral-broker/core'
