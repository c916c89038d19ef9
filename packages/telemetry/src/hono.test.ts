import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { streamResponse } from '@layercode/node-server-sdk'
import { SpanKind, SpanStatusCode } from '@opentelemetry/api'
import { type Context, Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { Attr } from './contract.ts'
import { layercodeTelemetry, serverSpans, startWebhookSpan, type WebhookSpan } from './hono.ts'
import { captureTelemetry } from './testing.ts'

// The SDK as the register entry starts it (context manager, W3C propagation), exporting in memory.
const captured = await captureTelemetry({
  OTEL_METRICS_EXPORTER: 'none',
  OTEL_LOGS_EXPORTER: 'none',
})
const exporter = captured.spans
after(() => captured.telemetry.shutdown())

const event = { type: 'message', conversation_id: 'c1', session_id: 's1', turn_id: 't1' }

function app(handler: (c: Context) => Response | Promise<Response>) {
  const hono = new Hono()
  hono.get('/health', (c) => c.text('ok'))
  hono.use(serverSpans())
  hono.post('/api/agent/:tenant', handler)
  hono.onError((error, c) => {
    if (error instanceof HTTPException) {
      if (error.status < 500) c.error = undefined // a client fault is no server error
      return c.text(error.message, error.status)
    }
    return c.text('internal', 500)
  })
  return hono
}

async function spansOf(run: () => unknown) {
  exporter.reset()
  await run()
  await captured.flush()
  return exporter.getFinishedSpans()
}

/** The request metric's data point for one response status (cumulative since the start). */
async function requestPoint(status: number) {
  return (await captured.collectMetrics()).scopeMetrics
    .flatMap((scope) => scope.metrics)
    .filter((m) => m.descriptor.name === 'http.server.request.duration')
    .flatMap((m) => m.dataPoints as Array<{ attributes: Record<string, unknown>; value: unknown }>)
    .find((p) => p.attributes[Attr.HttpStatus] === status)
}

describe('serverSpans', () => {
  it('one SERVER span per request, named by route, with the HTTP attributes; probes before it are untraced', async () => {
    const hono = app((c) => c.json({ ok: true }, 201))
    const spans = await spansOf(async () => {
      await hono.request('/health')
      await hono.request('/api/agent/acme?x=1', { method: 'POST' })
    })
    assert.equal(spans.length, 1)
    const [span] = spans
    assert.equal(span?.name, 'POST /api/agent/:tenant')
    assert.equal(span?.kind, SpanKind.SERVER)
    assert.deepEqual(span?.attributes, {
      [Attr.HttpMethod]: 'POST',
      'url.full': 'http://localhost/api/agent/acme?x=REDACTED', // the kit's span redactor
      [Attr.HttpRoute]: '/api/agent/:tenant',
      [Attr.HttpStatus]: 201,
    })
    assert.equal(span?.status.code, SpanStatusCode.UNSET)
  })

  it("continues the caller's trace from traceparent", async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c'
    const spans = await spansOf(() =>
      app((c) => c.text('ok')).request('/api/agent/a', {
        method: 'POST',
        headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` },
      }),
    )
    assert.equal(spans[0]?.spanContext().traceId, traceId)
    assert.equal(spans[0]?.parentSpanContext?.spanId, 'b7ad6b7169203331')
  })

  it('a thrown error is an ERROR span with its exception; a 4xx the app cleared stays UNSET', async () => {
    const failing = app(() => {
      throw new TypeError('boom')
    })
    const [failed] = await spansOf(() => failing.request('/api/agent/a', { method: 'POST' }))
    assert.equal(failed?.attributes[Attr.HttpStatus], 500)
    assert.equal(failed?.status.code, SpanStatusCode.ERROR)
    assert.equal(failed?.attributes[Attr.ErrorType], 'TypeError')
    assert.equal(failed?.events[0]?.name, 'exception')
    const failedPoint = await requestPoint(500)
    assert.equal(failedPoint?.attributes[Attr.ErrorType], 'TypeError', "the span's error.type")
    const rejecting = app(() => {
      throw new HTTPException(401, { message: 'bad signature' })
    })
    const [rejected] = await spansOf(() => rejecting.request('/api/agent/a', { method: 'POST' }))
    assert.equal(rejected?.attributes[Attr.HttpStatus], 401)
    assert.equal(rejected?.status.code, SpanStatusCode.UNSET)
    assert.equal(rejected?.events.length, 0)
  })
})

describe('startWebhookSpan', () => {
  it('puts the webhook on the SERVER span, which lasts until the stream ended, with the outcome', async () => {
    let span: WebhookSpan | undefined
    let close: (() => void) | undefined
    const hono = app(async (c) => {
      await new Promise((resolve) => setTimeout(resolve, 20)) // headers after 20 ms
      span = startWebhookSpan(c, event, 'echo', { untilStreamEnds: true })
      const body = new ReadableStream({
        start(controller) {
          close = () => controller.close()
        },
      })
      return c.body(body, 200, { 'content-type': 'text/event-stream' })
    })
    exporter.reset()
    const response = await hono.request('/api/agent/a', { method: 'POST' })
    assert.equal(response.status, 200)
    await captured.flush()
    assert.equal(exporter.getFinishedSpans().length, 0, 'still open after the headers')
    await new Promise((resolve) => setTimeout(resolve, 50)) // the stream lasts 50 ms more
    close?.()
    span?.end({ outcome: 'error', error: new Error('model down'), firstSpeechS: 0.25 })
    span?.end({ outcome: 'ok' }) // a second end changes nothing
    await captured.flush()
    const [ended] = exporter.getFinishedSpans()
    assert.equal(ended?.name, 'POST /api/agent/:tenant')
    assert.equal(ended?.attributes[Attr.HttpStatus], 200)
    assert.equal(ended?.attributes[Attr.EventType], 'message')
    assert.equal(ended?.attributes[Attr.ConversationId], 'c1')
    assert.equal(ended?.attributes[Attr.TurnId], 't1')
    assert.equal(ended?.attributes[Attr.AgentName], 'echo')
    assert.equal(ended?.attributes[Attr.Outcome], 'error')
    assert.equal(ended?.attributes[Attr.TimeToFirstSpeech], 0.25)
    assert.equal(ended?.status.code, SpanStatusCode.ERROR)
    // The request metric has the span's duration, not the time to the headers.
    const point = await requestPoint(200)
    // Earlier requests on the route were quick: the slowest is this one.
    const max = (point?.value as { max?: number } | undefined)?.max ?? 0
    const spanS = (ended?.duration[0] ?? 0) + (ended?.duration[1] ?? 0) / 1e9
    assert.ok(spanS > 0.06 && Math.abs(max - spanS) < 0.005, `${max} vs ${spanS}`)
    assert.deepEqual(point?.attributes, {
      [Attr.HttpMethod]: 'POST',
      [Attr.HttpRoute]: '/api/agent/:tenant',
      [Attr.HttpStatus]: 200,
    })
  })

  it('a turn that ends before the response left still gets the route and status', async () => {
    const hono = app((c) => {
      startWebhookSpan(c, event, 'echo', { untilStreamEnds: true }).end({ outcome: 'ok' })
      return c.text('done')
    })
    const [span] = await spansOf(() => hono.request('/api/agent/a', { method: 'POST' }))
    assert.equal(span?.name, 'POST /api/agent/:tenant')
    assert.equal(span?.attributes[Attr.HttpStatus], 200)
    assert.equal(span?.attributes[Attr.Outcome], 'ok')
  })

  it('without the middleware it records nothing and ends nothing', async () => {
    const hono = new Hono()
    hono.post('/x', (c) => {
      startWebhookSpan(c, event, 'echo', { untilStreamEnds: true }).end({ outcome: 'ok' })
      return c.text('ok')
    })
    const spans = await spansOf(() => hono.request('/x', { method: 'POST' }))
    assert.deepEqual(spans, [])
  })
})

describe('layercodeTelemetry', () => {
  type Stream = { tts(text: string): void; end(): void }
  const body = JSON.stringify(event)
  function agentApp(options: { outer?: boolean; fail?: boolean } = {}) {
    const hono = new Hono()
    if (options.outer) hono.use(serverSpans())
    hono.use('/api/agent', layercodeTelemetry({ agent: 'hono-agent' }))
    hono.post('/api/agent', async (c) => {
      // The handler reads the body as usual: the middleware read a copy.
      const webhook = await c.req.json()
      if (options.fail) throw new Error('handler failed')
      return streamResponse(webhook, async ({ stream }: { stream: Stream }) => {
        stream.tts('Hi.')
        stream.end()
      })
    })
    hono.onError((_error, c) => c.text('internal', 500))
    return hono
  }

  it('observes the route: one SERVER span with the webhook and its outcome, the answer unchanged', async () => {
    for (const outer of [false, true]) {
      const spans = await spansOf(async () => {
        const response = await agentApp({ outer }).request('/api/agent', {
          method: 'POST',
          body,
        })
        assert.match(await response.text(), /"type":"response.tts","content":"Hi\."/)
      })
      assert.equal(spans.length, 1, outer ? 'under serverSpans()' : 'alone')
      assert.equal(spans[0]?.name, 'POST /api/agent')
      assert.equal(spans[0]?.attributes[Attr.AgentName], 'hono-agent')
      assert.equal(spans[0]?.attributes[Attr.TurnId], 't1')
      assert.equal(spans[0]?.attributes[Attr.Outcome], 'ok')
    }
  })

  it('a handler that throws: a failed turn on an ERROR span with the exception', async () => {
    const [span] = await spansOf(() =>
      agentApp({ fail: true }).request('/api/agent', { method: 'POST', body }),
    )
    assert.equal(span?.attributes[Attr.HttpStatus], 500)
    assert.equal(span?.attributes[Attr.Outcome], 'error')
    assert.equal(span?.attributes[Attr.ErrorType], 'Error')
    assert.equal(span?.events[0]?.name, 'exception')
  })
})
