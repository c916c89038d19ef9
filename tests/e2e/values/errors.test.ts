/** Errors: each kind the spans recorded, counted, with its calls, first and last seen. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { concrete, type PanelQuery } from '@layercode-kit/grafana-gen'
import { attributesOf } from '@layercode-kit/test-support'
import { between, exactly, type Range } from '../../lib/ranges.ts'
import {
  afterRecording,
  checked,
  expectPanel,
  harness,
  missing,
  panels,
  perMinute,
  tAgent,
  traffic,
  trafficStart,
} from './scenario.ts'

describe('errors inbox under scripted traffic', { skip: missing }, () => {
  it('errors: the inbox shows each kind the spans recorded, counted, its calls, first and last seen', async () => {
    // Every span of the run (warm-up included: the range is 10 minutes), the canary's left out.
    const all = harness.recorded('tempo', 'traces').map((item) => ({
      traceId: String(item.traceId),
      startS: Number(item.startTimeUnixNano) / 1e9,
      endS: Number(item.endTimeUnixNano) / 1e9,
      attrs: attributesOf(item),
      version: String(attributesOf(item.resource)['service.version']),
      exception: (item.events as Array<{ name: string }> | undefined)?.find(
        (e) => e.name === 'exception',
      ),
    }))
    const canary = new Set(
      all.filter((x) => x.attrs['layercode.synthetic'] === true).map((x) => x.traceId),
    )
    const real = all.filter((x) => !canary.has(x.traceId))
    const conversationOf = new Map(
      real
        .filter((x) => x.attrs['layercode.conversation.id'])
        .map((x) => [x.traceId, String(x.attrs['layercode.conversation.id'])]),
    )
    type Kind = {
      traces: Set<string>
      calls: Set<string>
      first: number
      last: number
      latest: number
    }
    const kinds = new Map<string, Kind>()
    for (const x of real.filter((x) => x.exception && x.attrs['layercode.error.fingerprint'])) {
      const fp = String(x.attrs['layercode.error.fingerprint'])
      const kind = kinds.get(fp) ?? {
        traces: new Set(),
        calls: new Set(),
        first: Infinity,
        last: 0,
        latest: 0,
      }
      kind.traces.add(x.traceId)
      const conversation = conversationOf.get(x.traceId)
      if (conversation) kind.calls.add(conversation)
      kind.first = Math.min(kind.first, x.startS)
      kind.last = Math.max(kind.last, x.endS)
      kinds.set(fp, kind)
    }
    const injected = [...kinds].find(([, k]) => k.traces.size >= traffic.turns.injectedErrors)
    assert.ok(injected, `the injected faults are one kind: ${JSON.stringify([...kinds.keys()])}`)
    const label = 'layercode_error_fingerprint'
    const rows = (range: (k: Kind) => Range) =>
      [...kinds].map(([fp, k]) => ({ labels: { [label]: fp }, range: range(k) }))
    // Counted from the samples: each thrown error once, whatever spans it reached.
    await expectPanel(
      'Errors inbox',
      0,
      tAgent,
      rows((k) => exactly(k.traces.size, 'traces with it')),
    )
    await expectPanel(
      'Errors inbox',
      1,
      tAgent,
      rows((k) => exactly(k.calls.size, 'conversations')),
    )
    // The times the agent recorded them (ms), between its spans' start and end.
    const at = await afterRecording(tAgent)
    const ms = (lo: number, hi: number, why: string) => between(lo * 1000 - 1, hi * 1000 + 1, why)
    await expectPanel(
      'Errors inbox',
      2,
      at,
      rows((k) => ms(k.first - 1, k.first + 60, 'first span')),
    )
    await expectPanel(
      'Errors inbox',
      3,
      at,
      rows((k) => ms(k.last - 60, k.last + 1, 'last span')),
    )
    await expectPanel(
      'Errors inbox',
      4,
      at,
      rows(() => exactly(1, 'one release')),
    )
    await expectPanel(
      'New kinds in the last 24 hours',
      0,
      at,
      rows((k) => ms(k.first - 1, k.first + 60, 'first span')),
    )
    const version = real[0]?.version ?? ''
    await expectPanel(
      'Errors by release',
      0,
      at,
      [...kinds].map(([fp, k]) => ({
        labels: { [label]: fp, service_version: version },
        range: ms(k.first - 1, k.first + 60, 'first span'),
      })),
    )
    // The last minute's rate: the traffic's faults of the injected kind, a minute's worth.
    const [fp, kind] = injected
    const inTraffic = [...kind.traces].filter((t) =>
      real.some((x) => x.traceId === t && x.startS * 1000 >= trafficStart),
    ).length
    const perKind = await harness.query(
      concrete(panels.find((p) => p.panel === 'Errors per minute by kind') as PanelQuery),
      tAgent,
    )
    const value = Number(perKind.find((r) => r.metric.error_type === 'injected_fault')?.value[1])
    const range = perMinute(inTraffic, `injected faults (${fp})`)
    assert.ok(
      value >= range.lo - 1e-9 && value <= range.hi + 1e-9,
      `${value}: ${range.lo}..${range.hi} (${range.why})`,
    )
    checked.add('Errors per minute by kind#0')
  })
})
