/** The agent's metrics: every contract metric of both generations, against its spec. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Attr, LOG_SYNTHETIC_FIELD, METRICS } from '@layercode-kit/telemetry'
import type { MetricData } from '@opentelemetry/sdk-metrics'
import {
  byName,
  canaryConversation,
  captured,
  instrumentOf,
  metrics,
  pointValue,
  stdout,
} from './scenario.ts'

describe('metrics', () => {
  it('match the contract both ways: names, units, instruments and attributes', () => {
    const emitted = new Map(
      metrics.scopeMetrics.flatMap((sm) => sm.metrics.map((m) => [m.descriptor.name, m])),
    )
    for (const [name, metric] of emitted) {
      const spec = METRICS.find((s) => s.name === name)
      assert.ok(spec, `${name} is emitted but not in the contract`)
      assert.equal(metric.descriptor.unit, spec.unit, `${name} unit`)
      assert.equal(instrumentOf(metric), spec.instrument, `${name} instrument`)
      if (spec.source === 'kit') assert.equal(metric.descriptor.description, spec.description)
      const allowed = new Set([...spec.attributes, ...(spec.optionalAttributes ?? [])])
      assert.ok(metric.dataPoints.length > 0, `${name} has data`)
      for (const point of metric.dataPoints) {
        for (const key of spec.attributes) assert.ok(key in point.attributes, `${name} has ${key}`)
        for (const key of Object.keys(point.attributes))
          assert.ok(allowed.has(key), `${name}: ${key} is documented`)
      }
    }
    for (const spec of METRICS)
      assert.ok(emitted.has(spec.name), `${spec.name} is in the contract but was not emitted`)
  })

  it("count turns by outcome (the turn duration's count), tools by name, sessions, and tokens by type", () => {
    const points = (name: string) =>
      metrics.scopeMetrics
        .flatMap((sm) => sm.metrics.filter((m) => m.descriptor.name === name))
        .flatMap((m): MetricData['dataPoints'][number][] => m.dataPoints)
    // The real conversation's points: the canary's are apart (synthetic below).
    const sum = (name: string, match: Record<string, unknown>) =>
      points(name)
        .filter((p) => Object.entries(match).every(([k, v]) => p.attributes[k] === v))
        .filter((p) => p.attributes[Attr.Synthetic] === match[Attr.Synthetic])
        .reduce((total, p) => total + pointValue(p), 0)
    assert.equal(sum('layercode.turn.duration', { [Attr.Outcome]: 'error' }), 1)
    assert.equal(
      sum('layercode.turn.duration', { [Attr.Outcome]: 'ok', [Attr.EventType]: 'message' }),
      2,
    )
    assert.equal(sum('layercode.turn.duration', { [Attr.EventType]: 'session.start' }), 1)
    assert.equal(
      sum('layercode.tool.calls', { [Attr.ToolName]: 'list_menu', [Attr.Outcome]: 'ok' }),
      1,
    )
    assert.equal(sum('layercode.sessions.started', {}), 1)
    assert.equal(sum('layercode.sessions.ended', {}), 1)
    // LayerCode's figures from session.end, and the turns this process ran in the session.
    const histogramSum = (name: string) =>
      points(name)
        .filter((p) => p.attributes[Attr.Synthetic] === undefined)
        .reduce(
          (total, p) => total + (typeof p.value === 'number' ? Number.NaN : (p.value.sum ?? 0)),
          0,
        )
    assert.equal(histogramSum('layercode.session.duration'), 61)
    assert.equal(histogramSum('layercode.session.latency'), 0.85, 'LayerCode latency, ms read as s')
    assert.equal(histogramSum('layercode.session.transcription.duration'), 4.5)
    assert.equal(histogramSum('layercode.session.tts.duration'), 7.25)
    assert.equal(histogramSum('layercode.session.turns'), 4, 'session.start and three messages')
    assert.equal(sum('layercode.session.turns', {}), 1, 'one session')
    assert.equal(sum('layercode.sessions.active', { [Attr.AgentName]: 'bakery' }), 0)
    assert.equal(sum('layercode.turn.time_to_first_speech', {}), 4, 'every turn spoke')
    assert.equal(
      sum('gen_ai.client.token.usage', { [Attr.TokenType]: 'input' }),
      3,
      'three model calls',
    )
    assert.equal(sum('gen_ai.client.token.usage', { [Attr.TokenType]: 'output' }), 3)
    // Seven webhooks, the abandoned upload and the unsigned request.
    assert.equal(sum('http.server.request.duration', { [Attr.HttpRoute]: '/api/agent' }), 9)
  })

  it("tag a synthetic conversation's every metric, its webhook spans and log lines, and nothing else", () => {
    const kit = new Set(
      METRICS.filter(
        (m) => m.source === 'kit' && m.optionalAttributes?.includes(Attr.Synthetic),
      ).map((m) => m.name),
    )
    const synthetic = new Set<string>()
    for (const metric of metrics.scopeMetrics.flatMap((sm) => sm.metrics))
      for (const point of metric.dataPoints)
        if (point.attributes[Attr.Synthetic] !== undefined) {
          assert.equal(point.attributes[Attr.Synthetic], true, metric.descriptor.name)
          synthetic.add(metric.descriptor.name)
        }
    // What the canary's turns, model calls, tool call and session.end record, all tagged.
    for (const name of [
      'layercode.turn.duration',
      'layercode.turn.time_to_first_speech',
      'layercode.turn.first_speech.model',
      'gen_ai.client.token.usage',
      'gen_ai.client.operation.duration',
      'layercode.tool.calls',
      'layercode.tool.duration',
      'layercode.cost',
      'layercode.sessions.started',
      'layercode.sessions.ended',
      'layercode.session.duration',
      'layercode.session.turns',
      'layercode.session.cost',
      'http.server.request.duration',
    ])
      assert.ok(synthetic.has(name), `${name} has synthetic points`)
    for (const name of synthetic) assert.ok(kit.has(name), `${name} documents layercode.synthetic`)
    const turns = (synthetic: boolean) =>
      metrics.scopeMetrics
        .flatMap((sm) => sm.metrics.filter((m) => m.descriptor.name === 'layercode.turn.duration'))
        .flatMap((m): MetricData['dataPoints'][number][] => m.dataPoints)
        .filter((p) => (p.attributes[Attr.Synthetic] === true) === synthetic)
        .reduce((total, p) => total + pointValue(p), 0)
    assert.equal(turns(true), 2, "the canary's session.start and message")
    assert.equal(turns(false), 4, 'the real conversation counts only its own')
    for (const span of byName('POST /api/agent').filter((s) => s.attributes[Attr.EventType])) {
      const canary = span.attributes[Attr.ConversationId] === canaryConversation.conversation_id
      assert.equal(span.attributes[Attr.Synthetic], canary ? true : undefined, span.name)
    }
    const records = captured.logs
      .getFinishedLogRecords()
      .filter((r) => r.attributes.conversation_id)
    assert.ok(records.some((r) => r.attributes[LOG_SYNTHETIC_FIELD] === true))
    for (const record of records)
      assert.equal(
        record.attributes[LOG_SYNTHETIC_FIELD],
        record.attributes.conversation_id === canaryConversation.conversation_id ? true : undefined,
        String(record.body),
      )
    assert.ok(stdout.some((l) => l[LOG_SYNTHETIC_FIELD] === true && l.message === 'turn completed'))
  })

  it('use voice-latency buckets', () => {
    const boundaries = (name: string) => {
      const metric = metrics.scopeMetrics
        .flatMap((sm) => sm.metrics)
        .find((m) => m.descriptor.name === name)
      const value = metric?.dataPoints[0]?.value as
        | { buckets?: { boundaries: number[] } }
        | undefined
      return value?.buckets?.boundaries ?? []
    }
    const turn = boundaries('layercode.turn.duration')
    assert.equal(turn[0], 0.01)
    assert.equal(turn.at(-1), 60)
    assert.deepEqual(boundaries('http.server.request.duration'), turn)
  })

  it('carry the resource: service name, version, environment, instance', () => {
    const resource = metrics.resource.attributes
    assert.equal(resource['service.name'], 'layercode-agent')
    assert.equal(resource['service.version'], '0.1.0')
    assert.equal(resource['deployment.environment.name'], 'test')
    assert.match(String(resource['service.instance.id']), /^[0-9a-f-]{36}$/)
  })
})
