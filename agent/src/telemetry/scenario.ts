/**
 * The agent's telemetry under one scripted conversation, captured in memory with both
 * generations of the GenAI names: a real server, an upstream on loopback, a canary beside the
 * traffic. The telemetry tests read what it recorded.
 */
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { connect } from 'node:net'
import { after, before } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  Attr,
  FAULT_METADATA_KEY,
  GenAiOptIn,
  type MetricSpec,
  SEMCONV_OPT_IN_ENV,
  type SpanSpec,
  SYNTHETIC_METADATA_KEY,
  spanSpecFor,
} from '@layercode-kit/telemetry'
import { captureTelemetry } from '@layercode-kit/telemetry/testing'
import { context, SpanKind } from '@opentelemetry/api'
import { suppressTracing } from '@opentelemetry/core'
import { DataPointType, type MetricData, type ResourceMetrics } from '@opentelemetry/sdk-metrics'
import type { ReadableSpan } from '@opentelemetry/sdk-trace'

// The SDK must be running (and its loader hook registered) before the app's modules load.
// Both generations of the GenAI names (the /dup switch): every metric of the contract is emitted.
export const captured = await captureTelemetry({
  ...process.env,
  APP_ENV: 'test',
  [SEMCONV_OPT_IN_ENV]: GenAiOptIn.Dup,
})
export const { ids, startTestServer } = await import('../testing/agent-server.ts')

export const API_KEY = 'lc_live_telemetry_key_0123456789'
export const MENU_QUESTION = "What's on the menu today?"
export const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'

export const KIND: Record<SpanSpec['kind'], SpanKind> = {
  SERVER: SpanKind.SERVER,
  CLIENT: SpanKind.CLIENT,
  INTERNAL: SpanKind.INTERNAL,
}
/** The instrument class as an exporter (and Prometheus) sees it. */
export function instrumentOf(metric: MetricData): MetricSpec['instrument'] {
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
export function pointValue(point: MetricData['dataPoints'][number]): number {
  return typeof point.value === 'number' ? point.value : point.value.count
}

export function specFor(span: ReadableSpan): SpanSpec | undefined {
  const kind = (Object.keys(KIND) as SpanSpec['kind'][]).find((k) => KIND[k] === span.kind)
  return kind && spanSpecFor(span.name, kind)
}

/** A client that announces a body, sends part of it and hangs up. */
export async function abortedUpload(baseUrl: string): Promise<void> {
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

export let spans: ReadableSpan[] = []
export let metrics: ResourceMetrics
export let upstreamHeaders: IncomingHttpHeaders = {}
export let stdout: Array<Record<string, unknown>> = []
export const conversation = ids('otel')
export const canaryConversation = ids('canary')

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

export const byName = (name: string) => spans.filter((s) => s.name === name)
export const webhookSpan = (turnId: string) => {
  const span = spans.find((s) => s.attributes[Attr.TurnId] === turnId)
  assert.ok(span, `a webhook span for ${turnId}`)
  return span
}
export const children = (parent: ReadableSpan) =>
  spans.filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId)
