/** The scripted turns ran with no unexpected failure. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { loadSummary, missing } from './scenario.ts'

describe("the pipeline's traffic", { skip: missing }, () => {
  it('drives ok, tool, slow and failing turns with no unexpected failure', () => {
    const turns = loadSummary.turns as Record<string, number>
    assert.equal(turns.unexpectedFailures, 0, JSON.stringify(loadSummary))
    assert.ok(
      (turns.injectedErrors ?? 0) > 0 && (turns.injectedSlow ?? 0) > 0 && (turns.ok ?? 0) > 20,
    )
  })
})
