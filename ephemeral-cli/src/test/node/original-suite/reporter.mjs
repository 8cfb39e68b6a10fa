// A node:test reporter that records every check of the original suite (its leaf tests, and its
// script-style files as one check each) as passed, failed, or not applicable (the test reads the
// Node broker's internals: see src/broker.js), into the JSON file $SUITE_RESULTS.
import fs from 'node:fs'

const results = {}
const output = {} // file -> what it printed (a script-style file reports its errors there)

function reason(error, file) {
  for (let e = error; e; e = e.cause) {
    if (String(e.message ?? '').startsWith('NotApplicable:')) return String(e.message)
  }
  const printed = output[file] ?? ''
  const i = printed.indexOf('NotApplicable:')
  return i >= 0 ? printed.slice(i).split('\n')[0] : null
}

export default async function* report(source) {
  for await (const event of source) {
    const data = event.data
    const file = (data?.file ?? '').split('/').pop()
    if (event.type === 'test:stdout' || event.type === 'test:stderr') {
      output[file] = (output[file] ?? '') + data.message
      continue
    }
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue
    if (data.details?.type === 'suite') continue
    const name = data.name.startsWith('/') ? file : `${file}: ${data.name}`
    if (event.type === 'test:pass') {
      results[name] = { status: 'passed' }
      continue
    }
    const error = data.details?.error
    const why = reason(error, file)
    results[name] = why
      ? { status: 'n/a', reason: why.replace('NotApplicable: ', '') }
      : {
          status: 'failed',
          reason: String(error?.cause?.message ?? error?.message ?? error).split('\n')[0]
        }
  }
  fs.writeFileSync(process.env.SUITE_RESULTS, JSON.stringify(results, null, 2))
  yield `${Object.keys(results).length} checks recorded in ${process.env.SUITE_RESULTS}\n`
}
