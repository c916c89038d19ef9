import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { connect } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  Attr,
  FAULT_METADATA_KEY,
  GenAiOptIn,
  LOG_CONTEXT_FIELDS,
  LOG_SYNTHETIC_FIELD,
  METRICS,
  type MetricSpec,
  SEMCONV_OPT_IN_ENV,
  SPANS,
  type SpanSpec,
  SYNTHETIC_METADATA_KEY,
  spanSpecFor,
} from '@layercode-kit/telemetry'
import { captureTelemetry } from '@layercode-kit/telemetry/testing'
import { context, SpanKind, SpanStatusCode } from '@opentelemetry/api'
import { suppressTracing } from '@opentelemetry/core'
import { DataPointType, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics'
import type { ReadableSpan } from '@opentelemetry/sdk-trace'

// The SDK must be running (and its loader hook registered) before the app's modules load.
// Both generations of the GenAI names (the /dup switch): every metric of the contract is emitted.
const captured = await captureTelemetry({
  ...process.env,
  APP_ENV: 'test',
  [SEMCONV_OPT_IN_ENV]: GenAiOptIn.Dup,
})
const { ids, startTestServer } = await import('../testing/agent-server.ts')

const API_KEY = 'lc_live_telemetry_key_0123456789'
const MENU_QUESTION = "What's on the menu today?"
const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'

const KIND: Record<SpanSpec['kind'], SpanKind> = {
  SERVER: SpanKind.SERVER,
  CLIENT: SpanKind.CLIENT,
  INTERNAL: SpanKind.INTERNAL,
}
/** The instrument class as an exporter (and Prometheus) sees it. */
function instrumentOf(metric: MetricData): MetricSpec['instrument'] {
  switch (metric.dataPointType) {
    case DataPointType.HISTOGRAM:
    case DataPointType.EXPONENTIAL_HISTOGRAM:
      return 'histogram'
    case DataPointType.SUM:
      return metric.isMonotonic ? 'counter' : 'updowncounter'
    case DataPointType.GAUGE:
      return 'gauge'
  }
}

/** A counter's value, or a histogram's count. */
function pointValue(point: MetricData['dataPoints'][number]): number {
  return typeof point.value === 'number' ? point.value : point.value.count
}

function specFor(span: ReadableSpan): SpanSpec | undefined {
  const kind = (Object.keys(KIND) as SpanSpec['kind'][]).find((k) => KIND[k] === span.kind)
  return kind && spanSpecFor(span.name, kind)
}

/** A client that announces a body, sends part of it and hangs up. */
async function abortedUpload(baseUrl: string): Promise<void> {
  const { hostname, port } = new URL(baseUrl)
  const socket = connect(Number(port), hostname)
  await once(socket, 'connect')
  socket.write(
    'POST /api/agent?drop=1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"type":',
  )
  await sleep(100)
  socket.destroy()
  await sleep(200)
}

let spans: ReadableSpan[] = []
let metrics: ResourceMetrics
let upstreamHeaders: IncomingHttpHeaders = {}
let stdout: Array<Record<string, unknown>> = []
const conversation = ids('otel')
const canaryConversation = ids('canary')

before(async () => {
  const upstream = createServer((req, res) => {
    upstreamHeaders = req.headers
    req
      .resume()
      .on('end', () =>
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end('{"client_session_key":"k"}'),
      )
  })
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  const server = await startTestServer({
    AGENT: 'bakery',
    LAYERCODE_API_KEY: API_KEY,
    LAYERCODE_API_BASE_URL: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
  })
  try {
    const send = (body: Record<string, unknown>, headers?: Record<string, string>) =>
      server.send({ ...conversation, ...body }, headers)
    await send({ type: 'session.start', turn_id: 'turn-start' })
    await send({ type: 'message', turn_id: 'turn-menu', text: MENU_QUESTION })
    await send({
      type: 'message',
      turn_id: 'turn-fail',
      text: 'break',
      custom_metadata: { [FAULT_METADATA_KEY]: 'error' },
    })
    await send({ type: 'data', turn_id: 'turn-data', data: { clicked: 'menu' } })
    // As an outside caller: this process's own client instrumentation would replace the header.
    await context.with(suppressTracing(context.active()), () =>
      send(
        { type: 'message', turn_id: 'turn-traced', text: 'hello' },
        { traceparent: `00-${CALLER_TRACE}-00f067aa0ba902b7-01` },
      ),
    )
    await send({ type: 'session.update', recording_status: 'completed' })
    await send({
      type: 'session.end',
      duration: 61_000,
      latency: 850,
      transcription_duration_seconds: 4.5,
      tts_duration_seconds: 7.25,
      transcript: [],
    })
    // A synthetic conversation (the canary): tagged everywhere, so it is counted apart.
    const canary = (body: Record<string, unknown>) =>
      server.send({
        ...canaryConversation,
        ...body,
        custom_metadata: { [SYNTHETIC_METADATA_KEY]: true },
      })
    await canary({ type: 'session.start', turn_id: 'canary-start' })
    await canary({ type: 'message', turn_id: 'canary-menu', text: MENU_QUESTION })
    await canary({ type: 'session.end', duration: 30_000, transcription_duration_seconds: 2 })
    for (const probe of ['/health', '/ready']) await (await fetch(`${server.url}${probe}`)).text()
    await abortedUpload(server.url)
    const unsigned = await fetch(server.webhookUrl, { method: 'POST', body: '{}' })
    assert.equal(unsigned.status, 401)
    await unsigned.text()
    const authorize = await fetch(`${server.url}/api/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ agent_id: 'ag_1' }),
    })
    assert.equal(authorize.status, 200)
    // Enough garbage for a minor GC, and time for the event-loop delay histogram to fill.
    let garbage: unknown[] = []
    for (let i = 0; i < 300_000; i++) garbage.push({ i })
    garbage = []
    await sleep(1200)
  } finally {
    await server.stop()
    upstream.closeAllConnections()
    upstream.close()
  }
  stdout = server.logs()
  await captured.flush()
  spans = captured.spans.getFinishedSpans()
  metrics = await captured.collectMetrics()
})

after(async () => {
  assert.deepEqual(await captured.telemetry.shutdown(), { ok: true })
})

const byName = (name: string) => spans.filter((s) => s.name === name)
const webhookSpan = (turnId: string) => {
  const span = spans.find((s) => s.attributes[Attr.TurnId] === turnId)
  assert.ok(span, `a webhook span for ${turnId}`)
  return span
}
const children = (parent: ReadableSpan) =>
  spans.filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId)

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

describe('traces', () => {
  it('a bakery turn is one trace: the webhook (the SERVER span) -> invoke_agent -> chat (with usage) and execute_tool', () => {
    const webhook = webhookSpan('turn-menu')
    assert.equal(webhook.name, 'POST /api/agent')
    assert.equal(webhook.kind, SpanKind.SERVER)
    // Above it, at most the caller's CLIENT span (the test's own fetch, traced in this process).
    const parent = spans.find((s) => s.spanContext().spanId === webhook.parentSpanContext?.spanId)
    assert.ok(parent === undefined || parent.kind === SpanKind.CLIENT, parent?.name)
    const {
      'url.full': url,
      [Attr.TimeToFirstSpeech]: firstSpeech,
      ...attributes
    } = webhook.attributes
    assert.match(String(url), /\/api\/agent$/)
    // Seconds from the webhook to the first speech, within the span's own duration.
    const spanS = webhook.duration[0] + webhook.duration[1] / 1e9
    assert.ok(
      typeof firstSpeech === 'number' && firstSpeech > 0 && firstSpeech <= spanS,
      `${firstSpeech}`,
    )
    assert.deepEqual(attributes, {
      [Attr.HttpMethod]: 'POST',
      [Attr.HttpRoute]: '/api/agent',
      [Attr.HttpStatus]: 200,
      [Attr.EventType]: 'message',
      [Attr.ConversationId]: conversation.conversation_id,
      [Attr.SessionId]: conversation.session_id,
      [Attr.TurnId]: 'turn-menu',
      [Attr.AgentName]: 'bakery',
      [Attr.Outcome]: 'ok',
    })
    const ns = ([s, n]: readonly [number, number]) => s * 1e9 + n
    assert.ok(
      ns(webhook.endTime) >= ns(children(webhook)[0]?.endTime ?? [Infinity, 0]),
      'it lasts until the stream ended, after the agent finished',
    )
    const [invoke, ...others] = children(webhook)
    assert.equal(others.length, 0)
    assert.equal(invoke?.name, 'invoke_agent bakery')
    assert.equal(invoke?.attributes[Attr.GenAiConversationId], conversation.conversation_id)
    const steps = children(invoke as ReadableSpan)
    assert.deepEqual(
      steps.map((s) => s.name),
      ['chat offline-voice-1', 'execute_tool list_menu', 'chat offline-voice-1'],
      'a tool round trip: the model asks, the tool runs, the model answers',
    )
    const [ask, tool, answer] = steps as [ReadableSpan, ReadableSpan, ReadableSpan]
    for (const chat of [ask, answer]) {
      assert.equal(chat.kind, SpanKind.CLIENT)
      assert.equal(chat.attributes[Attr.Provider], 'offline')
      assert.equal(chat.attributes[Attr.ResponseModel], 'offline-voice-1')
      assert.ok(Number(chat.attributes[Attr.InputTokens]) > 0)
      assert.ok(Number(chat.attributes[Attr.OutputTokens]) > 0)
      // LayerCode's conversation id, as on invoke_agent; the latest names' first-chunk time.
      assert.equal(chat.attributes[Attr.GenAiConversationId], conversation.conversation_id)
      assert.ok(Number(chat.attributes[Attr.TimeToFirstChunk]) > 0)
    }
    for (const span of [webhook, tool])
      assert.equal(span.attributes[Attr.GenAiConversationId], undefined, span.name)
    assert.deepEqual(ask.attributes[Attr.FinishReasons], ['tool-calls'])
    assert.deepEqual(answer.attributes[Attr.FinishReasons], ['stop'])
    assert.equal(tool.attributes[Attr.ToolName], 'list_menu')
    assert.match(String(tool.attributes[Attr.ToolCallId]), /call/)
    const traceIds = new Set([webhook, invoke, ...steps].map((s) => s?.spanContext().traceId))
    assert.equal(traceIds.size, 1)
  })

  it('names, kinds and attributes of every span follow the contract', () => {
    const agentSpans = spans.filter(
      (s) =>
        s.instrumentationScope.name !== '@opentelemetry/instrumentation-undici' ||
        s.kind === SpanKind.CLIENT,
    )
    for (const span of agentSpans) {
      const spec = specFor(span)
      assert.ok(spec, `span "${span.name}" (${SpanKind[span.kind]}) is in the contract`)
      for (const key of spec.attributes)
        assert.ok(key in span.attributes, `${span.name} has ${key}`)
      if (spec.source === 'kit') {
        const allowed = new Set([...spec.attributes, ...(spec.optionalAttributes ?? [])])
        for (const key of Object.keys(span.attributes))
          assert.ok(allowed.has(key), `${span.name}: ${key} is documented`)
      }
    }
    for (const spec of SPANS)
      assert.ok(
        spans.some((s) => specFor(s) === spec),
        `a ${spec.id} span was emitted`,
      )
  })

  it('an agent failure is an ERROR span with an exception event and error.type, and an error log in its trace', () => {
    const webhook = webhookSpan('turn-fail')
    assert.equal(webhook.status.code, SpanStatusCode.ERROR)
    assert.equal(webhook.attributes[Attr.Outcome], 'error')
    assert.equal(webhook.attributes[Attr.ErrorType], 'injected_fault')
    const invoke = children(webhook)[0]
    assert.equal(invoke?.status.code, SpanStatusCode.ERROR)
    assert.equal(invoke?.attributes[Attr.ErrorType], 'injected_fault')
    const exception = invoke?.events.find((e) => e.name === 'exception')
    assert.equal(exception?.attributes?.['exception.message'], 'fault injected on request')
    assert.match(String(exception?.attributes?.['exception.stacktrace']), /invokeAgent/)
    const log = captured.logs.getFinishedLogRecords().find((r) => r.body === 'turn failed')
    assert.equal(log?.spanContext?.traceId, webhook.spanContext().traceId)
    assert.equal(log?.severityText, 'error')
    assert.equal(log?.attributes.turn_id, 'turn-fail')
    assert.equal(log?.attributes['error.code'], 'injected_fault')
    assert.equal(
      log?.attributes['error.type'],
      webhook.attributes[Attr.ErrorType],
      'one error.type',
    )
    // One fingerprint on the spans it reached, the log line and the inbox's count.
    const fingerprint = String(invoke?.attributes[Attr.ErrorFingerprint])
    assert.match(fingerprint, /^[0-9a-f]{16}$/)
    assert.equal(webhook.attributes[Attr.ErrorFingerprint], fingerprint)
    assert.equal(log?.attributes['error.fingerprint'], fingerprint)
    const counted = metrics.scopeMetrics
      .flatMap((sm) => sm.metrics)
      .filter((m) => m.descriptor.name === 'layercode.errors')
      .flatMap(
        (m) => m.dataPoints as Array<{ attributes: Record<string, unknown>; value: unknown }>,
      )
      .filter((p) => p.attributes[Attr.ErrorFingerprint] === fingerprint)
    assert.deepEqual(
      counted.map((p) => [p.attributes[Attr.ErrorMessage], p.value]),
      [['fault injected on request', 1]],
      'the one failed turn counted once, not once per span',
    )
  })

  it("continues the caller's trace from an incoming traceparent", () => {
    assert.equal(webhookSpan('turn-traced').spanContext().traceId, CALLER_TRACE)
  })

  it('traces outbound calls as CLIENT spans and propagates their context', () => {
    const server = byName('POST /api/authorize')[0]
    assert.ok(server)
    const client = children(server).find((s) => s.kind === SpanKind.CLIENT)
    assert.ok(client, 'the call to LayerCode is a client span under the server span')
    assert.equal(client.attributes[Attr.HttpStatus], 200)
    const [, traceId, spanId] = String(upstreamHeaders.traceparent).split('-')
    assert.equal(traceId, server.spanContext().traceId)
    assert.equal(spanId, client.spanContext().spanId)
  })

  it('records neither prompts, answers nor secrets by default', () => {
    const everything = JSON.stringify(spans.map((s) => [s.name, s.attributes, s.events]))
    assert.ok(!everything.includes(MENU_QUESTION), 'no prompt text')
    assert.ok(!everything.includes('Today we have'), 'no completion text')
    assert.ok(!everything.includes(API_KEY))
    assert.ok(!everything.includes('whsec_'))
    for (const span of byName('chat offline-voice-1'))
      assert.equal(span.attributes[Attr.InputMessages], undefined)
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
