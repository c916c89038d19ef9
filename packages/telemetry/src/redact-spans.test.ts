import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SpanStatusCode } from '@opentelemetry/api'
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace'
import { createRedactor, REDACTED } from './redact.ts'
import { redactUrlQuery, secretRedactingSpanProcessor } from './redact-spans.ts'

const KEY = 'known-secret-value-123456'

describe('secretRedactingSpanProcessor', () => {
  it('masks secrets in attributes, status, exception events and the URL query before export', async () => {
    const exporter = new InMemorySpanExporter()
    const provider = new TracerProvider({
      spanProcessors: [
        secretRedactingSpanProcessor(createRedactor({ secrets: [KEY] })),
        new SimpleSpanProcessor({ exporter }),
      ],
    })
    const span = provider.getTracer('t').startSpan('chat')
    span.setAttributes({
      'url.full': `http://127.0.0.1:8000/api/agent?token=${KEY}&x=1#frag`,
      'http.request.header.authorization': 'Bearer abc',
      'http.request.header.x-functions-key': ['k1'],
      'http.response.header.x-acme-secret': 'k2',
      'http.request.header.content-type': ['application/json'],
      'gen_ai.usage.input_tokens': 12,
      note: `said ${KEY}`,
      list: ['ok', `sk-proj-abcdefghijklmnopqrst`],
    })
    span.recordException(new Error(`Incorrect API key provided: ${KEY}`))
    span.setStatus({ code: SpanStatusCode.ERROR, message: `Incorrect API key provided: ${KEY}` })
    span.end()
    await provider.forceFlush()
    const [out] = exporter.getFinishedSpans()
    assert.ok(out)
    assert.equal(
      out.attributes['url.full'],
      'http://127.0.0.1:8000/api/agent?token=REDACTED&x=REDACTED#frag',
    )
    assert.equal(out.attributes['http.request.header.authorization'], REDACTED)
    // Captured headers by the allowlist, not by a name pattern.
    assert.deepEqual(out.attributes['http.request.header.x-functions-key'], [REDACTED])
    assert.equal(out.attributes['http.response.header.x-acme-secret'], REDACTED)
    assert.deepEqual(out.attributes['http.request.header.content-type'], ['application/json'])
    assert.equal(out.attributes['gen_ai.usage.input_tokens'], 12)
    assert.equal(out.attributes.note, `said ${REDACTED}`)
    assert.deepEqual(out.attributes.list, ['ok', REDACTED])
    assert.equal(out.status.message, `Incorrect API key provided: ${REDACTED}`)
    assert.equal(out.status.code, SpanStatusCode.ERROR)
    assert.ok(!JSON.stringify(out.events).includes(KEY), JSON.stringify(out.events))
    assert.match(String(out.events[0]?.attributes?.['exception.stacktrace']), /\[REDACTED\]/)
  })

  it('leaves a URL without a query as it is', () => {
    assert.equal(redactUrlQuery('http://h/api/agent'), 'http://h/api/agent')
    assert.equal(redactUrlQuery('http://h/a?flag'), 'http://h/a?flag')
    assert.equal(redactUrlQuery('/a?k=v=w'), '/a?k=REDACTED')
  })
})
