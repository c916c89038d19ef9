import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { context, SeverityNumber, trace } from '@opentelemetry/api'
import { LOG_CONTEXT_KEY, otelLogFormat } from './log-format.ts'
import { captureTelemetry } from './testing.ts'
import { tracer } from './tracing.ts'

const captured = await captureTelemetry({ OTEL_METRICS_EXPORTER: 'none' })
after(() => captured.telemetry.shutdown())

async function emitted(info: Parameters<ReturnType<typeof otelLogFormat>['transform']>[0]) {
  captured.logs.reset()
  const out = otelLogFormat().transform(info)
  assert.equal(out, info, 'the record passes on unchanged')
  await captured.flush()
  return captured.logs.getFinishedLogRecords()
}

describe('otelLogFormat', () => {
  it('emits the record: severity, body, the other fields as attributes (maps kept, classes as text)', async () => {
    const [record, ...more] = await emitted({
      level: 'warn',
      message: 'tool failed',
      timestamp: '2026-11-27T00:00:00.000Z',
      tool: 'list_menu',
      attempt: 2,
      headers: { 'content-type': 'application/json', nested: { depth: 1 } },
      list: ['a', 1],
      at: new Date(0),
      missing: undefined,
    })
    assert.equal(more.length, 0)
    assert.equal(record?.severityNumber, SeverityNumber.WARN)
    assert.equal(record?.severityText, 'warn')
    assert.equal(record?.body, 'tool failed')
    assert.deepEqual(record?.attributes, {
      tool: 'list_menu',
      attempt: 2,
      headers: { 'content-type': 'application/json', nested: { depth: 1 } },
      list: ['a', 1],
      at: new Date(0).toString(),
    })
  })

  it('takes the trace context captured at the call over the one active when it runs', async () => {
    const span = tracer().startSpan('caller')
    const callContext = trace.setSpan(context.active(), span)
    const other = tracer().startSpan('someone else')
    const records = await context.with(trace.setSpan(context.active(), other), () =>
      emitted({ level: 'info', message: 'late', [LOG_CONTEXT_KEY]: callContext }),
    )
    span.end()
    other.end()
    assert.equal(records[0]?.spanContext?.spanId, span.spanContext().spanId)
    const [active] = await context.with(trace.setSpan(context.active(), other), () =>
      emitted({ level: 'info', message: 'now' }),
    )
    assert.equal(active?.spanContext?.spanId, other.spanContext().spanId)
  })
})

describe('otelLogFormat without an SDK', () => {
  it('builds nothing when no logger provider wants the record', async () => {
    await captured.telemetry.shutdown()
    let read = false
    const info = {
      level: 'info',
      message: 'x',
      get field() {
        read = true
        return 1
      },
    }
    otelLogFormat().transform(info)
    assert.equal(read, false)
  })
})
