/**
 * What the kit's telemetry records for one echo turn, read from the real agent: its spans
 * (name, kind, parent, attributes), its log records and its histogram recordings, as OTLP/JSON
 * exported them. The limit program (limit-app.ts) replays exactly this with the bare SDK, so
 * the two differ only in the code that decides what to record.
 */
import { Agent } from 'node:http'
import { spawnAgent } from '@layercode-kit/agent/testing'
import { sendWebhookOverHttp } from '@layercode-kit/protocol'
import {
  attributesOf,
  type OtlpRequest,
  otlpItems,
  startOtlpReceiver,
} from '@layercode-kit/test-support'

export type AttributeValue = string | number | boolean
export type Attributes = Record<string, AttributeValue>

export type TurnShape = {
  /** Spans in start order; `parent` is the index of the parent span, if one of the turn's. */
  spans: Array<{ name: string; kind: number; parent?: number; attributes: Attributes }>
  logs: Array<{ body: string; severityNumber: number; attributes: Attributes }>
  histograms: Array<{
    scope: string
    name: string
    unit: string
    bounds: number[]
    attributes: Attributes
    perTurn: number
  }>
  /** The answer's events, as the agent streamed them. */
  answer: unknown[]
  /** The sample turn's ids, to be replaced by each turn's own wherever they appear. */
  ids: { turn_id: string; conversation_id: string; session_id: string }
}

const TURNS = 10

/** An OTLP/JSON item's attributes with their types (intValue is a string in JSON). */
function plain(item: unknown): Attributes {
  const list = ((item as { attributes?: unknown[] }).attributes ?? []) as Array<{
    key: string
    value: Record<string, unknown>
  }>
  return Object.fromEntries(
    list.map(({ key, value }) => {
      const [type, raw] = Object.entries(value)[0] ?? ['stringValue', '']
      if (type === 'intValue' || type === 'doubleValue') return [key, Number(raw)]
      if (type === 'boolValue') return [key, Boolean(raw)]
      return [key, typeof raw === 'string' ? raw : JSON.stringify(raw)]
    }),
  )
}

export async function recordTurnShape(secret: string): Promise<TurnShape> {
  const receiver = await startOtlpReceiver()
  const agent = await spawnAgent({
    args: ['--agent', 'echo'],
    keepLogs: false,
    env: {
      LAYERCODE_WEBHOOK_SECRET: secret,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_METRIC_EXPORT_INTERVAL: '60000',
    },
  })
  const http = new Agent({ keepAlive: true })
  const ids = { turn_id: 'shape-0', conversation_id: 'shape-c', session_id: 'shape-s' }
  let answer: unknown[] = []
  try {
    for (let n = 0; n < TURNS; n++) {
      const body = { type: 'message', ...ids, turn_id: `shape-${n}`, text: 'benchmark' }
      const result = await sendWebhookOverHttp({
        url: `${agent.url}/api/agent`,
        secret,
        body,
        agent: http,
      })
      if (n === 0) answer = result.events
    }
  } finally {
    http.destroy()
    await agent.stop() // flushes every signal, metrics included
    await receiver.close()
  }
  return { ...shapeOf(receiver.requests, TURNS, 'shape-0'), answer, ids }
}

/**
 * The records of one turn in what an app exported as OTLP/JSON over `turns` identical turns:
 * the trace and the log records that carry `sampleTurn`'s id, and the histogram points
 * recorded a whole number of times per turn.
 */
export function shapeOf(
  requests: OtlpRequest[],
  turns: number,
  sampleTurn: string,
): Pick<TurnShape, 'spans' | 'logs' | 'histograms'> {
  const allSpans = otlpItems(requests, 'traces')
  const root = allSpans.find((s) => attributesOf(s)['layercode.turn.id'] === sampleTurn)
  // Parents before children (start times can tie), siblings in start order.
  const trace = allSpans
    .filter((s) => root && s.traceId === root.traceId)
    .sort((a, b) =>
      Number(BigInt(String(a.startTimeUnixNano)) - BigInt(String(b.startTimeUnixNano))),
    )
  const first: typeof trace = []
  while (first.length < trace.length) {
    const next = trace.filter(
      (s) =>
        !first.includes(s) &&
        (first.some((p) => p.spanId === s.parentSpanId) ||
          !trace.some((p) => p.spanId === s.parentSpanId)),
    )
    if (next.length === 0) break
    first.push(...next)
  }
  const spans = first.map((s) => {
    const parent = first.findIndex((p) => p.spanId === s.parentSpanId)
    return {
      name: String(s.name),
      kind: Number(s.kind) - 1, // OTLP's SPAN_KIND_INTERNAL is 1, the API's SpanKind.INTERNAL 0
      ...(parent >= 0 ? { parent } : {}),
      attributes: plain(s),
    }
  })
  const logs = otlpItems(requests, 'logs')
    .filter((l) => Object.values(attributesOf(l)).includes(sampleTurn))
    .map((l) => ({
      body: String((l.body as { stringValue?: string })?.stringValue ?? ''),
      severityNumber: Number(l.severityNumber ?? 9),
      attributes: plain(l),
    }))
  const histograms = otlpItems(requests, 'metrics').flatMap((m) => {
    const points =
      (m.histogram as { dataPoints?: Array<Record<string, unknown>> } | undefined)?.dataPoints ?? []
    return points
      .map((point) => ({
        scope: String((m.scope as { name?: string })?.name),
        name: String(m.name),
        unit: String(m.unit ?? ''),
        bounds: ((point.explicitBounds as number[] | undefined) ?? []).map(Number),
        attributes: plain(point),
        perTurn: Number(point.count) / turns,
      }))
      .filter((h) => Number.isInteger(h.perTurn) && h.perTurn > 0)
  })
  return { spans, logs, histograms }
}
