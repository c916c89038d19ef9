/** The agent's telemetry: client faults recorded as such, and the log lines with the call's ids. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Attr, LOG_CONTEXT_FIELDS } from '@layercode-kit/telemetry'
import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import { byName, captured, metrics, spans, stdout, webhookSpan } from './scenario.ts'

describe('client faults', () => {
  it('an upload the client abandons is a 499, not a failed span, a 5xx or an error log', () => {
    const servers = byName('POST /api/agent')
    const dropped = servers.find((s) => String(s.attributes['url.full']).includes('drop='))
    assert.ok(dropped, 'the abandoned request was traced')
    assert.equal(dropped.attributes[Attr.HttpStatus], 499)
    assert.equal(dropped.status.code, SpanStatusCode.UNSET)
    assert.equal(dropped.events.length, 0)
    assert.ok(!stdout.some((l) => l.message === 'unhandled error'), 'no error log')
    // No per-request line at info: the span (above) and the metric (below) say what happened.
    assert.ok(!stdout.some((l) => l.message === 'request'))
    const statuses = metrics.scopeMetrics
      .flatMap((s) => s.metrics)
      .filter((m) => m.descriptor.name === 'http.server.request.duration')
      .flatMap((m) => m.dataPoints.map((p) => Number(p.attributes[Attr.HttpStatus])))
    assert.ok(statuses.includes(499))
    assert.ok(!statuses.some((status) => status >= 500), `statuses: ${statuses}`)
  })

  it('health and readiness probes are neither traced nor in the request metrics', () => {
    const routes = spans.map((s) => String(s.attributes[Attr.HttpRoute] ?? ''))
    assert.ok(!routes.some((r) => r === '/health' || r === '/ready'), routes.join(', '))
    const metered = metrics.scopeMetrics
      .flatMap((s) => s.metrics)
      .filter((m) => m.descriptor.name === 'http.server.request.duration')
      .flatMap((m) => m.dataPoints.map((p) => String(p.attributes[Attr.HttpRoute])))
    assert.ok(!metered.includes('/health') && !metered.includes('/ready'), metered.join(', '))
  })

  it('a 401 leaves the SERVER span status unset, as the semantic conventions ask for 4xx', () => {
    const rejected = byName('POST /api/agent').find((s) => s.attributes[Attr.HttpStatus] === 401)
    assert.ok(rejected)
    assert.equal(rejected.status.code, SpanStatusCode.UNSET)
  })
})

describe('logs', () => {
  it('leave over OTLP with trace context and the call-context fields', () => {
    const records = captured.logs
      .getFinishedLogRecords()
      .filter((r) => r.attributes.conversation_id)
    assert.ok(records.length >= 6)
    for (const record of records) {
      const event = String(record.attributes.event_type)
      const expected = LOG_CONTEXT_FIELDS.filter(
        (f) =>
          f !== 'turn_id' || event === 'message' || event === 'session.start' || event === 'data',
      )
      for (const field of expected) assert.ok(record.attributes[field], `${record.body}: ${field}`)
      assert.match(
        record.spanContext?.traceId ?? '',
        /^[0-9a-f]{32}$/,
        `${record.body} has a trace id`,
      )
      const webhook = spans.find(
        (s) =>
          s.spanContext().traceId === record.spanContext?.traceId &&
          s.kind === SpanKind.SERVER &&
          s.attributes[Attr.EventType] !== undefined,
      )
      assert.ok(webhook, `${record.body} belongs to a webhook trace`)
    }
  })

  it('keep trace ids out of stdout (the OTLP records carry them), at the same level', () => {
    const line = stdout.find((l) => l.message === 'turn completed' && l.turn_id === 'turn-menu')
    assert.ok(line)
    assert.equal(line.trace_id, undefined)
    const record = captured.logs
      .getFinishedLogRecords()
      .find((r) => r.body === 'turn completed' && r.attributes.turn_id === 'turn-menu')
    assert.equal(record?.spanContext?.traceId, webhookSpan('turn-menu').spanContext().traceId)
    assert.equal(record?.attributes.conversation_id, line.conversation_id)
    const otlpBodies = captured.logs.getFinishedLogRecords().map((r) => r.body)
    assert.ok(!otlpBodies.includes('turn received'), 'debug records stay out at info level')
    assert.equal(
      otlpBodies.filter((b) => b === 'turn completed').length,
      stdout.filter((l) => l.message === 'turn completed').length,
    )
  })
})
