import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { ArgsDef } from 'citty'
import { rejectUnknownFlags } from './cli-support.ts'

const args = {
  agent: { type: 'enum', options: ['echo', 'bakery'] },
  port: { type: 'string' },
  verbose: { type: 'boolean', alias: 'v' },
} satisfies ArgsDef

describe('rejectUnknownFlags', () => {
  it('accepts declared flags, aliases, --no- booleans, values and everything after --', () => {
    rejectUnknownFlags(['--agent', 'echo', '--port=8000', '-v', '--no-verbose', '--', '--x'], args)
    rejectUnknownFlags(['--port', '-1'], args)
  })

  it('refuses a misspelt flag, suggesting the nearest one', () => {
    assert.throws(() => rejectUnknownFlags(['--agnet', 'bakery'], args), {
      code: 'usage_error',
      message: 'unknown option --agnet (did you mean --agent?)',
    })
    assert.throws(() => rejectUnknownFlags(['--colour=red'], args), {
      message: 'unknown option --colour',
    })
    assert.throws(() => rejectUnknownFlags(['--no-port'], args), /unknown option --no-port/)
  })
})
