import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { SpanStatusCode, trace } from '@opentelemetry/api'
import { counter, gauge, histogram, withSpan } from './helpers.ts'
import { captureTelemetry } from './testing.ts'

const captured = await captureTelemetry()
after(() => captured.telemetry.shutdown())

describe('withSpan', () => {
  it('nests, works across awaits and returns the value', async () => {
    const value = await withSpan('outer', { 'app.step': 'outer' }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 5))
      return withSpan('inner', {}, (span) => {
        span.setAttribute('app.answer', 42)
        return trace.getActiveSpan() === span ? 'inside' : 'wrong span'
      })
    })
    assert.equal(value, 'inside')
    await captured.flush()
    const spans = captured.spans.getFinishedSpans()
    const outer = spans.find((s) => s.name === 'outer')
    const inner = spans.find((s) => s.name === 'inner')
    assert.equal(inner?.parentSpanContext?.spanId, outer?.spanContext().spanId)
    assert.equal(inner?.attributes['app.answer'], 42)
    assert.equal(outer?.attributes['app.step'], 'outer')
  })

  it('records a thrown error on the span and rethrows it', async () => {
    await assert.rejects(
      withSpan('failing', {}, () => {
        throw new TypeError('bad input')
      }),
      /bad input/,
    )
    await captured.flush()
    const span = captured.spans.getFinishedSpans().find((s) => s.name === 'failing')
    assert.equal(span?.status.code, SpanStatusCode.ERROR)
    assert.equal(span?.attributes['error.type'], 'TypeError')
    assert.equal(span?.events[0]?.name, 'exception')
  })
})

describe('metrics facade', () => {
  it('creates typed counters, histograms and gauges with units and descriptions', async () => {
    const orders = counter<{ item: string }>('app.orders', {
      description: 'Orders placed',
      unit: '{order}',
    })
    const wait = histogram('app.kitchen.wait', {
      description: 'Kitchen wait',
      unit: 's',
      buckets: [1, 5, 10],
    })
    const queue = gauge('app.queue.length', { description: 'Queue length', unit: '{order}' })
    orders.add(1, { item: 'croissant' })
    orders.add(2, { item: 'croissant' })
    wait.record(3)
    queue.set(7)
    const all = (await captured.collectMetrics()).scopeMetrics.flatMap((sm) => sm.metrics)
    const find = (name: string) => all.find((m) => m.descriptor.name === name)
    assert.equal(find('app.orders')?.dataPoints[0]?.value, 3)
    assert.equal(find('app.orders')?.descriptor.unit, '{order}')
    assert.equal(find('app.orders')?.descriptor.description, 'Orders placed')
    const recorded = find('app.kitchen.wait')?.dataPoints[0]?.value as
      | { buckets?: { boundaries: number[] } }
      | undefined
    assert.deepEqual(recorded?.buckets?.boundaries, [1, 5, 10])
    assert.equal(find('app.queue.length')?.dataPoints[0]?.value, 7)
  })
})
