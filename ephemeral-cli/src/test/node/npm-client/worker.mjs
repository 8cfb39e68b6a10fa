import { Client } from '@ephemeral-broker/core'

const client = new Client(process.env.EPHEMERAL_PIPE)
const worker = `worker-${process.pid}`
const account = await client.lease('test-accounts', worker, 60000) // 0, 1, 2, ...
await client.set('auth-token', { user: 'ci', token: 'abc' }, 3600000)
console.log(account, JSON.stringify(await client.get('auth-token')))
await client.release(worker)
