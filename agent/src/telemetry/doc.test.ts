import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { describe, it } from 'node:test'
import { renderTelemetryDoc } from './doc.ts'

describe('docs/telemetry.md', () => {
  it('is what the contract renders (run `npm run docs` after changing the contract)', async () => {
    const committed = await readFile(new URL('../../../docs/telemetry.md', import.meta.url), 'utf8')
    assert.equal(committed, renderTelemetryDoc())
  })
})
