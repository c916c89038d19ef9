/** The conversations ran as scripted. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CONVERSATIONS, missing, TURNS_PER_CONVERSATION, traffic } from './scenario.ts'

describe("the Python toolkit's scripted conversations", { skip: missing }, () => {
  it('the conversations ran as scripted: one failed turn in each, every other one spoke', () => {
    const turns = traffic.flatMap((c) => c.turns)
    assert.equal(turns.length, CONVERSATIONS * TURNS_PER_CONVERSATION)
    assert.deepEqual(
      turns.filter((t) => !t.ok).map((t) => t.failure),
      Array(CONVERSATIONS).fill('agent error'),
    )
    assert.ok(turns.filter((t) => t.ok).every((t) => (t.firstTtsMs ?? 0) > 0))
    assert.deepEqual(
      traffic.flatMap((c) => c.otherFailures),
      [],
    )
  })
})
