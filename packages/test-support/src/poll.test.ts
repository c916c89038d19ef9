import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { settle, waitFor } from './poll.ts'

describe('settle', () => {
  it('returns as soon as the probe is done', async () => {
    let calls = 0
    const result = await settle(
      () => ++calls,
      (n) => n === 3,
      5_000,
      1,
    )
    assert.deepEqual(result, { done: true, value: 3, error: undefined })
  })

  it('returns the last value and error when time runs out; a throwing probe is "not yet"', async () => {
    let calls = 0
    const result = await settle(
      () => {
        calls += 1
        if (calls > 1) throw new Error(`failed on call ${calls}`)
        return ['missing']
      },
      (problems) => problems.length === 0,
      20,
      5,
    )
    assert.equal(result.done, false)
    assert.deepEqual(result.value, ['missing'])
    assert.match(String((result.error as Error).message), /^failed on call \d+$/)
  })
})

describe('waitFor', () => {
  it('throws naming what it waited for and the last error', async () => {
    await assert.rejects(
      waitFor(
        'the answer',
        () => {
          throw new Error('connection refused')
        },
        20,
        5,
      ),
      /timed out after 20 ms waiting for the answer: connection refused/,
    )
  })
})
