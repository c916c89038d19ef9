/** Canary: its panels show exactly the canary's turns, and the others leave them out. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DEFAULT_SERVICE_NAME } from '@layercode-kit/telemetry'
import { attributesOf } from '@layercode-kit/test-support'
import { between, one, quantileRange } from '../../lib/ranges.ts'
import { canary, expectPanel, harness, isRealLog, missing, perMinute, tCanary } from './scenario.ts'

describe('canary panels', { skip: missing }, () => {
  it("canary: its panels show exactly the canary's turns (the other panels' values above leave them out)", async () => {
    const c = canary.turns
    assert.ok(c.injectedErrors >= 2 && c.ok > 0, `canary ${JSON.stringify(c)}`)
    assert.equal(c.failed, c.injectedErrors, "the canary's only failures are its injected ones")
    const service = {
      service_name: DEFAULT_SERVICE_NAME,
      deployment_environment_name: 'development',
    }
    // Its series start at zero inside the window (created-timestamp ingestion): no extrapolation.
    const counted = (n: number, why: string) => between(n * 0.999, n * 1.02, why)
    await expectPanel('Canary turns that succeeded', 0, tCanary, [
      { labels: service, range: counted(c.ok, 'canary turns that succeeded') },
    ])
    await expectPanel('Canary turns that failed', 0, tCanary, [
      { labels: service, range: counted(c.injectedErrors, 'canary turns that failed') },
    ])
    await expectPanel('Canary turns per minute by outcome', 0, tCanary, [
      { labels: { layercode_outcome: 'ok' }, range: perMinute(c.ok, 'canary ok turns') },
      {
        labels: { layercode_outcome: 'error' },
        range: perMinute(c.injectedErrors, 'canary failed turns'),
      },
    ])
    const canarySpoken = harness
      .recorded('loki', 'logs')
      .filter((l) => !isRealLog(l))
      .filter((l) => (l.body as { stringValue?: string })?.stringValue === 'turn completed')
      .map((l) => attributesOf(l))
      .filter((a) => a.outcome !== 'error' && a.first_speech_ms !== undefined)
      .map((a) => Number(a.first_speech_ms) / 1000)
    assert.equal(canarySpoken.length, c.ok, "each canary turn's log line is tagged")
    await expectPanel(
      'Canary time to first speech p95',
      0,
      tCanary,
      one(quantileRange(canarySpoken, 0.95, "the canary's turn logs")),
    )
  })
})
