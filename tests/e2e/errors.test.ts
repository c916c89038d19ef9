/**
 * The errors inbox by value, on the real collector and Prometheus: two agent replicas get
 * scripted traffic with three known faults (a tool that throws, a model call the provider
 * refuses, a tool whose upstream HTTP API answers 404: LayerCode's API stands at Prometheus
 * here), then one replica restarts as a newer release and brings one fault back. The inbox
 * must show exactly the three kinds with the counts, calls, first and last sightings the spans
 * give; the new-error alert must fire once for each new kind and stay quiet for the kind that
 * recurs; the regression alert must fire for the kind back in the newer release alone.
 * The alerts are evaluated with the shipped expressions under a config whose windows fit a
 * test (new for a minute, back after a minute away).
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  alertConditions,
  concrete,
  DEFAULT_CONFIG_FILE,
  panelQueries,
  parseKitConfig,
} from '@layercode-kit/grafana-gen'
import { attributesOf, untilStill, waitFor } from '@layercode-kit/test-support'
import { findBinaries } from '../../tools/binaries.ts'
import { nativeSuiteGuard } from '../lib/guard.ts'
import { type AgentNs, Harness } from '../lib/harness.ts'

const missing = await nativeSuiteGuard('the errors inbox')

const SHIPPED = readFileSync(DEFAULT_CONFIG_FILE, 'utf8')
const CONFIG = parseKitConfig(
  SHIPPED.replace(/new_for: \S+/, 'new_for: 1m').replace(/absent_for: \S+/, 'absent_for: 1m'),
  DEFAULT_CONFIG_FILE,
)
const CONDITIONS = alertConditions(CONFIG)
const FINGERPRINT = 'layercode_error_fingerprint'
const REPLICAS: AgentNs[] = ['agent', 'agent-2']
const resource = (version: string) => ({
  OTEL_RESOURCE_ATTRIBUTES: `service.namespace=layercode,service.version=${version}`,
})
const load = (seconds: number, faults: string[]) => [
  '--rate=1',
  `--duration=${seconds}`,
  '--think-time=0',
  '--concurrency=8',
  '--messages=2',
  ...faults,
]
const ERRORS = 'layercode_errors_total{layercode_synthetic!="true"}'

type ErrorSpan = {
  traceId: string
  conversation: string
  fingerprint: string
  type: string
  startS: number
  endS: number
  version: string
}

describe('the errors inbox, on the real collector and Prometheus', { skip: missing }, () => {
  let harness: Harness
  const panels = panelQueries().filter((q) => q.dashboard === 'layercode-errors')
  /** Each kind's fingerprint, by its error.type. */
  const kinds = new Map<string, string>()

  const errorSpans = (): ErrorSpan[] => {
    const conversations = new Map<string, string>()
    const spans = harness.recorded('tempo', 'traces')
    for (const item of spans) {
      const attrs = attributesOf(item)
      if (attrs['layercode.conversation.id'])
        conversations.set(String(item.traceId), String(attrs['layercode.conversation.id']))
    }
    return spans.flatMap((item) => {
      const attrs = attributesOf(item)
      const fingerprint = attrs['layercode.error.fingerprint']
      // Where the error was thrown: the first span to record it (its children have none).
      const thrown = (item.events as Array<{ name: string }> | undefined)?.some(
        (e) => e.name === 'exception',
      )
      return fingerprint && thrown
        ? [
            {
              traceId: String(item.traceId),
              conversation: conversations.get(String(item.traceId)) ?? '',
              fingerprint: String(fingerprint),
              type: String(attrs['error.type']),
              startS: Number(item.startTimeUnixNano) / 1e9,
              endS: Number(item.endTimeUnixNano) / 1e9,
              version: String(attributesOf(item.resource)['service.version']),
            },
          ]
        : []
    })
  }
  /** Every span delivered (the stand-in's count still for one batch delay): errors thrown so far. */
  const delivered = async () => {
    await untilStill('spans delivered', () => harness.recorded('tempo', 'traces').length)
    // One thrown error a trace and kind (every span it passes through records it).
    return new Set(errorSpans().map((s) => `${s.traceId} ${s.fingerprint}`)).size
  }
  /** Errors counted by Prometheus, once every export holding them arrived (no change for 25 s). */
  const settled = async (expected: number) => {
    let last = -1
    await waitFor(
      `${expected} errors counted, settled`,
      async () => {
        const now = Number((await harness.query(`sum(${ERRORS})`))[0]?.value[1] ?? 0)
        const done = now === last && now >= expected
        last = now
        return done
      },
      120_000,
      12_000,
    )
    return Date.now() / 1000
  }
  const panel = (title: string, query = 0) => {
    const found = panels.filter((p) => p.panel === title)[query]
    assert.ok(found, `${title} #${query}`)
    return concrete(found, { rangeS: 3600 })
  }
  /** A panel's values by fingerprint (and release, where the panel has one). */
  const byKind = async (promql: string, at: number) =>
    new Map(
      (await harness.query(promql, at)).map((r) => [
        [r.metric[FINGERPRINT], r.metric.service_version].filter(Boolean).join('@'),
        Number(r.value[1]),
      ]),
    )
  const firing = async (expr: string, at: number) =>
    (await harness.query(expr, at)).map((r) => String(r.metric[FINGERPRINT])).sort()

  before(async () => {
    harness = await Harness.startWithAgents(
      await findBinaries(),
      REPLICAS.map((ns) => [ns, resource('1.0.0')]),
    )
  })
  after(async () => {
    await harness?.stop()
  })

  it('groups each fault into one kind, counted per thrown error, with its calls and sightings', async () => {
    // Phase 0: the upstream fault, a minute before the others: it recurs, it is not new.
    const upstream = ['--upstream-error-rate=0.5']
    await Promise.all(REPLICAS.map((ns) => harness.loadgen(load(4, upstream), ns)))
    await settled(await delivered())
    await sleep(70_000)
    // Phase 1: all three faults on both replicas.
    const three = [
      '--tool-error-rate=0.25',
      '--model-error-rate=0.25',
      '--upstream-error-rate=0.25',
    ]
    await Promise.all(REPLICAS.map((ns) => harness.loadgen(load(8, three), ns)))
    const t = await settled(await delivered())
    const all = errorSpans()
    const byFingerprint = new Map<string, ErrorSpan[]>()
    for (const s of all)
      byFingerprint.set(s.fingerprint, [...(byFingerprint.get(s.fingerprint) ?? []), s])
    for (const [fingerprint, list] of byFingerprint) kinds.set(list[0]?.type ?? '', fingerprint)
    assert.deepEqual(
      [...kinds.keys()].sort(),
      ['AI_APICallError', 'KitchenSystemError', 'UpstreamError'],
      'three kinds, one per fault',
    )
    const occurrences = await byKind(panel('Errors inbox', 0), t)
    const calls = await byKind(panel('Errors inbox', 1), t)
    for (const [fingerprint, list] of byFingerprint) {
      const traces = new Set(list.map((s) => s.traceId))
      const conversations = new Set(list.map((s) => s.conversation))
      assert.equal(occurrences.get(fingerprint), traces.size, `${list[0]?.type} occurrences`)
      assert.equal(calls.get(fingerprint), conversations.size, `${list[0]?.type} calls`)
    }
    assert.equal(occurrences.size, 3, 'exactly three rows')
    // Sightings as the agents recorded them (Unix ms), read after the rules ran on them.
    await sleep(25_000)
    const at = t + 25
    const first = await byKind(panel('Errors inbox', 2), at)
    const last = await byKind(panel('Errors inbox', 3), at)
    const releases = await byKind(panel('Errors inbox', 4), at)
    for (const [fingerprint, list] of byFingerprint) {
      const starts = Math.min(...list.map((s) => s.startS))
      const ends = Math.max(...list.map((s) => s.endS))
      const f = (first.get(fingerprint) ?? 0) / 1000
      const l = (last.get(fingerprint) ?? 0) / 1000
      assert.ok(
        f >= starts - 0.01 && f <= Math.min(...list.map((s) => s.endS)) + 0.01,
        `${list[0]?.type} first seen ${f} in its first span`,
      )
      assert.ok(
        l >= Math.max(...list.map((s) => s.startS)) - 0.01 && l <= ends + 0.01,
        `${list[0]?.type} last seen ${l} in its last span`,
      )
      assert.equal(releases.get(fingerprint), 1)
    }
    // The new kinds fire once each; the kind seen a minute before does not.
    assert.deepEqual(
      await firing(CONDITIONS.newError, at),
      [kinds.get('AI_APICallError'), kinds.get('KitchenSystemError')].sort(),
    )
    assert.deepEqual(await firing(CONDITIONS.errorRegression, at), [], 'nothing is back yet')
  })

  it('fires the regression alert for the kind a newer release brings back, and only for it', async () => {
    const model = kinds.get('AI_APICallError')
    assert.ok(model, 'the first test ran')
    const lastModel = Math.max(
      ...errorSpans()
        .filter((s) => s.fingerprint === model)
        .map((s) => s.endS),
    )
    // Away for longer than absent_for, counted from before the 5-minute window the alert reads.
    await sleep(Math.max(0, (lastModel + 5 * 60 + 75) * 1000 - Date.now()))
    await harness.stopService('agent-2')
    await harness.startAgent(resource('1.1.0'), 'agent-2')
    const before = errorSpans().length
    await harness.loadgen(load(4, ['--model-error-rate=0.5']), 'agent-2')
    const t = await settled(await delivered())
    const back = errorSpans().slice(before)
    assert.ok(back.length >= 2, `${back.length} model errors in release 1.1.0`)
    assert.deepEqual(
      [...new Set(back.map((s) => `${s.fingerprint}@${s.version}`))],
      [`${model}@1.1.0`],
      'the same kind, from the newer release',
    )
    await sleep(25_000)
    const at = t + 25
    assert.deepEqual(await firing(CONDITIONS.errorRegression, at), [model], 'the kind that is back')
    assert.deepEqual(await firing(CONDITIONS.newError, at), [], 'and nothing new')
    const releases = await byKind(panel('Errors inbox', 4), at)
    assert.equal(releases.get(model), 2, 'two releases had it')
    const byRelease = await byKind(panel('Errors by release'), at)
    assert.deepEqual([...byRelease.keys()].filter((k) => k.startsWith(`${model}@`)).sort(), [
      `${model}@1.0.0`,
      `${model}@1.1.0`,
    ])
  })
})
