import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { describe, it } from 'node:test'
import { readJsonLines } from '@layercode-kit/test-support'
import { createLogger } from '../logging/logger.ts'
import { webhookRejections } from './rejections.ts'

describe('webhookRejections', () => {
  it('warns once per reason per interval with how many it held back, and never a signature', async () => {
    const stdout = new PassThrough()
    const lines: Array<Record<string, unknown>> = []
    readJsonLines(stdout, (line) => lines.push(line))
    const logger = createLogger({ level: 'info', stdout, secrets: [] })
    let clock = 0
    const reject = webhookRejections({ logger, agent: 'echo', intervalMs: 1000, now: () => clock })
    for (let i = 0; i < 5; i++) reject('mismatch')
    reject('stale')
    clock = 1500
    reject('mismatch')
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(
      lines.map((l) => [l.level, l.message, l.rejection_reason, l.suppressed]),
      [
        ['warn', 'webhook rejected', 'mismatch', 0],
        ['warn', 'webhook rejected', 'stale', 0],
        ['warn', 'webhook rejected', 'mismatch', 4],
      ],
    )
    assert.match(String(lines[0]?.hint), /LAYERCODE_WEBHOOK_SECRET differs/)
    assert.ok(!JSON.stringify(lines).includes('v1='), 'no signature value')
  })
})
