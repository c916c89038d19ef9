/** The traffic ran as scripted, and Prometheus counted every turn of it. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { harness, missing, TURNS, tAgent, traffic, trafficStart } from './scenario.ts'

describe('the scripted traffic', { skip: missing }, () => {
  it('the traffic ran as scripted, and Prometheus counted every turn by its outcome', async () => {
    const byOutcome = async (time: number) =>
      Object.fromEntries(
        (await harness.query(`sum by (layercode_outcome) (${TURNS})`, time)).map((r) => [
          r.metric.layercode_outcome,
          Number(r.value[1]),
        ]),
      )
    const [before, afterwards] = [await byOutcome(trafficStart / 1000), await byOutcome(tAgent)]
    assert.deepEqual(
      {
        ok: (afterwards.ok ?? 0) - (before.ok ?? 0),
        error: (afterwards.error ?? 0) - (before.error ?? 0),
        aborted: (afterwards.aborted ?? 0) - (before.aborted ?? 0),
      },
      { ok: traffic.turns.ok, error: traffic.turns.injectedErrors, aborted: traffic.turns.hungUp },
    )
    assert.equal(traffic.conversations.skippedBusy, 0)
    assert.equal(traffic.turns.failed, traffic.turns.injectedErrors, 'only injected errors fail')
    assert.equal(
      traffic.turns.injectedErrors,
      traffic.runs.reduce((n, r) => n + Math.floor(r.conversations.completed * 3 * 0.2), 0),
    )
    assert.ok(traffic.turns.hungUp > 0)
  })
})
