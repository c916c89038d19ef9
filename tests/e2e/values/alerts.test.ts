/** Alert conditions: the scripted faults breach exactly the rules they should, by value. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { burnAlertUid, concrete, ruleQueries, sloById } from '@layercode-kit/grafana-gen'
import { DEFAULT_SERVICE_NAME } from '@layercode-kit/telemetry'
import { between, bucket, quantileRange, type Range } from '../../lib/ranges.ts'
import {
  afterRecording,
  allSpans,
  burnOf,
  canary,
  clientRange,
  failedShare,
  harness,
  isTurnSpan,
  missing,
  panels,
  SLO_SERVICE,
  spans,
  tAgent,
  tCanary,
  tCollector,
  traffic,
} from './scenario.ts'

describe('alert conditions under scripted faults', { skip: missing }, () => {
  it('alert conditions: the scripted faults breach exactly the rules they should, by value', async () => {
    const expr = (uid: string) => String(ruleQueries().find((r) => r.uid === uid)?.expr)
    const service = {
      service_name: DEFAULT_SERVICE_NAME,
      deployment_environment_name: 'development',
    }
    const evaluated = new Set<string>()
    const evaluate = async (uid: string, at: number) => {
      evaluated.add(uid)
      return (await harness.query(expr(uid), at)).map((r) => ({
        labels: Object.fromEntries(Object.entries(r.metric).filter(([k]) => k !== '__name__')),
        value: Number(r.value[1]),
      }))
    }
    const expectRule = async (uid: string, at: number, labels: object, range: Range) => {
      const fired = await evaluate(uid, at)
      assert.equal(fired.length, 1, `${uid}: ${JSON.stringify(fired)}`)
      assert.deepEqual(fired[0]?.labels, labels, uid)
      const value = fired[0]?.value ?? Number.NaN
      assert.ok(
        value >= range.lo && value <= range.hi,
        `${uid} = ${value}, expected ${range.lo}..${range.hi} (${range.why})`,
      )
    }
    // 20% of messages fail: over 5 minutes, warm-up included, well above 5% and 20 turns.
    const share = failedShare()
    await expectRule(
      'layercode-error-rate',
      tAgent,
      service,
      between(share * 0.9, share * 1.1, `error share ${share}`),
    )
    const turnDurations = spans.filter(isTurnSpan).map((s) => s.durationS)
    await expectRule(
      'layercode-latency-p95',
      tAgent,
      service,
      quantileRange(turnDurations, 0.95, 'turn spans (slow turns wait 3 s)'),
    )
    const client = clientRange(traffic, 'p95')
    await expectRule(
      'layercode-first-speech',
      tAgent,
      { ...service, gen_ai_agent_name: 'bakery' },
      between(
        bucket(client.lo * 0.8)[0],
        bucket(client.hi)[1],
        `client p95 ${client.lo}..${client.hi} s`,
      ),
    )
    // 20% of messages fail: the turn-success budget burns ~40x, a page (and so no ticket);
    // 20% are slow to speak, ~4x the first-speech budget: a ticket, not a page.
    const tSlo = await afterRecording(tAgent)
    await expectRule(
      burnAlertUid(sloById('turn-success'), 'page'),
      tSlo,
      SLO_SERVICE,
      burnOf('turn-success'),
    )
    await expectRule(
      burnAlertUid(sloById('first-speech'), 'ticket'),
      tSlo,
      SLO_SERVICE,
      burnOf('first-speech'),
    )
    for (const uid of [
      burnAlertUid(sloById('turn-success'), 'ticket'),
      burnAlertUid(sloById('first-speech'), 'page'),
    ])
      assert.deepEqual(await evaluate(uid, tSlo), [], `${uid} stays quiet`)
    // The canary's own failures fire its alert (and, above, no rule of real traffic counts them).
    // The rule reads the recorded 5-minute counts: at the first rule evaluation that saw the
    // canary's last export (2 s on, so the push has landed) it equals what the "Canary turns
    // that failed" panel (checked exact at tCanary above) shows at that same instant,
    // increase()'s extrapolation included.
    const recorded = await harness.samples(
      'layercode:turns:increase5m{layercode_synthetic="true", layercode_outcome="error"}[2m]',
      tSlo,
    )
    const eCanary = Math.min(
      ...recorded.flatMap((r) => r.values.map(([t]) => t)).filter((t) => t > tCanary + 2),
    )
    assert.ok(Number.isFinite(eCanary), "a rule evaluation after the canary's last export")
    const failedPanel = panels.find((p) => p.panel === 'Canary turns that failed')
    assert.ok(failedPanel)
    const shown = Number((await harness.query(concrete(failedPanel), eCanary))[0]?.value[1])
    assert.ok(shown >= canary.turns.injectedErrors * 0.999, `panel at the evaluation: ${shown}`)
    await expectRule(
      'layercode-canary',
      eCanary,
      SLO_SERVICE,
      between(shown - 1e-9, shown + 1e-9, 'the failed canary turns its panel shows then'),
    )
    // The injected fault was first seen in the warm-up, a few minutes before: new then (its
    // kind is new for new_for), back never (nothing was away); the errors test times both.
    const injected = allSpans.find((x) => x.attrs['error.type'] === 'injected_fault')?.attrs[
      'layercode.error.fingerprint'
    ]
    const fresh = (await evaluate('layercode-new-error', tSlo)).map(
      (r) => r.labels.layercode_error_fingerprint,
    )
    assert.ok(injected && fresh.includes(String(injected)), `the injected kind is new: ${fresh}`)
    assert.deepEqual(await evaluate('layercode-error-regression', tSlo), [], 'nothing is back')
    // Every webhook of the scripted traffic is signed right: nothing refused, no page.
    for (const uid of [
      'layercode-token-usage',
      'layercode-spend',
      'layercode-agent-down',
      'layercode-webhooks-rejected',
    ])
      assert.deepEqual(await evaluate(uid, tSlo), [], `${uid} stays quiet`)
    for (const uid of [
      'layercode-collector-refusing',
      'layercode-collector-export',
      'layercode-component-down',
    ])
      assert.deepEqual(await evaluate(uid, tCollector), [], `${uid} stays quiet`)
    assert.deepEqual(
      [...evaluated].sort(),
      ruleQueries()
        .map((r) => r.uid)
        .sort(),
      'every rule',
    )
  })
})
