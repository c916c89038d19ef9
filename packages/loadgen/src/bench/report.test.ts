import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { openLoopProblem, signedMs } from './report.ts'

describe('bench report', () => {
  it('prints a difference with one sign', () => {
    assert.equal(signedMs(1.2), '+1.20 ms')
    assert.equal(signedMs(-141.129), '-141.13 ms')
    assert.equal(signedMs(0), '+0.00 ms')
    assert.equal(signedMs(Number.NaN), 'n/a')
  })

  it('refuses an open-loop run the driver could not hold', () => {
    assert.equal(
      openLoopProblem({ offeredRps: 100, seconds: 10, sent: 1000, skipped: 0 }),
      undefined,
    )
    assert.match(
      String(openLoopProblem({ offeredRps: 100, seconds: 10, sent: 900, skipped: 100 })),
      /100 requests skipped/,
    )
    assert.match(
      String(openLoopProblem({ offeredRps: 100, seconds: 10, sent: 800, skipped: 0 })),
      /sent 80 req\/s of the 100 offered/,
    )
  })
})
