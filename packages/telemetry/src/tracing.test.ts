import assert from 'node:assert/strict'
import { afterEach, describe, it } from 'node:test'
import { trace } from '@opentelemetry/api'
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace'
import { SCOPE_NAME } from './scope.ts'
import { tracer } from './tracing.ts'

const provider = () => {
  const exporter = new InMemorySpanExporter()
  const registered = new TracerProvider({
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  })
  trace.setGlobalTracerProvider(registered)
  return exporter
}

describe('tracer()', () => {
  afterEach(() => trace.disable())

  it('is one tracer while its provider stays, and follows a provider registered later', () => {
    const before = tracer() // no provider yet: the API's proxy, bound once one registers
    const first = provider()
    assert.equal(tracer(), tracer(), 'the same tracer while the provider stays')
    before.startSpan('early').end()
    tracer().startSpan('first').end()
    trace.disable()
    const second = provider()
    tracer().startSpan('second').end()
    assert.deepEqual(
      first.getFinishedSpans().map((s) => s.name),
      ['early', 'first'],
    )
    assert.deepEqual(
      second.getFinishedSpans().map((s) => [s.name, s.instrumentationScope.name]),
      [['second', SCOPE_NAME]],
      'a provider registered later gets the spans: no stale tracer',
    )
  })
})
