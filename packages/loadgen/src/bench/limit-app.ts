/**
 * The limit of what telemetry can cost an echo turn: a minimal webhook server on the bare
 * OpenTelemetry JS SDK (no kit code) that records, per turn, exactly what the kit records
 * (the spans with their attributes, the log records, the histogram recordings: a TurnShape
 * from turn-shape.ts, in BENCH_TURN_SHAPE) through the same OTLP exporters, and streams the
 * same answer. `OTEL_SDK_DISABLED=true` is its `off`: the same server, the API's no-ops.
 * Prints `{"url"}` once listening.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import {
  type Attributes as ApiAttributes,
  context,
  type Histogram,
  logs,
  metrics,
  type SpanKind,
  trace,
} from '@opentelemetry/api'
import { HostMetricsInstrumentation } from '@opentelemetry/instrumentation-host-metrics'
import { RuntimeNodeInstrumentation } from '@opentelemetry/instrumentation-runtime-node'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { NodeSDK } from '@opentelemetry/sdk-node'
import type { Attributes, TurnShape } from './turn-shape.ts'

const shape = JSON.parse(process.env.BENCH_TURN_SHAPE ?? '') as TurnShape

// The same resource and process metrics as the kit's SDK (its host-metrics groups).
const sdk =
  process.env.OTEL_SDK_DISABLED === 'true'
    ? undefined
    : new NodeSDK({
        resource: resourceFromAttributes({
          'service.name': 'limit',
          'deployment.environment.name': 'development',
        }),
        instrumentations: [
          new RuntimeNodeInstrumentation(),
          new HostMetricsInstrumentation({ metricGroups: ['process.cpu', 'process.memory'] }),
        ],
      })
sdk?.start()

const tracer = trace.getTracer('limit')
const logger = logs.getLogger('limit')
const histograms = shape.histograms.map((h) => ({
  ...h,
  instrument: metrics
    .getMeter(h.scope)
    .createHistogram(h.name, { unit: h.unit, advice: { explicitBucketBoundaries: h.bounds } }),
})) satisfies Array<{ instrument: Histogram }>

/** The sample turn's ids in a value, replaced by this turn's. */
function forTurn(attributes: Attributes, ids: TurnShape['ids']): ApiAttributes {
  const out: ApiAttributes = {}
  for (const [key, value] of Object.entries(attributes)) {
    let v = value
    if (typeof v === 'string')
      for (const [name, sample] of Object.entries(shape.ids))
        if (v === sample || (name === 'turn_id' && v === 'shape-0'))
          v = ids[name as keyof TurnShape['ids']]
    out[key] = v
  }
  return out
}

function record(ids: TurnShape['ids'], started: number): void {
  const made: ReturnType<typeof tracer.startSpan>[] = []
  for (const span of shape.spans) {
    const parent = span.parent === undefined ? undefined : made[span.parent]
    const ctx = parent ? trace.setSpan(context.active(), parent) : context.active()
    made.push(
      tracer.startSpan(
        span.name,
        { kind: span.kind as SpanKind, attributes: forTurn(span.attributes, ids) },
        ctx,
      ),
    )
  }
  const seconds = (performance.now() - started) / 1000
  for (const h of histograms)
    for (let i = 0; i < h.perTurn; i++) h.instrument.record(seconds, forTurn(h.attributes, ids))
  const root = made[0]
  context.with(root ? trace.setSpan(context.active(), root) : context.active(), () => {
    for (const log of shape.logs)
      logger.emit({
        body: log.body,
        severityNumber: log.severityNumber,
        attributes: forTurn(log.attributes, ids),
      })
  })
  for (const span of made.reverse()) span.end()
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = performance.now()
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as TurnShape['ids']
  const ids = {
    turn_id: body.turn_id,
    conversation_id: body.conversation_id,
    session_id: body.session_id,
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' })
  for (const event of shape.answer) {
    const turnEvent = { ...(event as Record<string, unknown>), turn_id: ids.turn_id }
    res.write(`data: ${JSON.stringify(turnEvent)}\n\n`)
  }
  res.end()
  record(ids, started)
}

const server = createServer((req, res) => {
  handle(req, res).catch(() => {
    res.writeHead(400).end()
  })
})
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => {
  const address = server.address() as { port: number }
  console.log(JSON.stringify({ url: `http://127.0.0.1:${address.port}` }))
})
// Flushed on SIGTERM, as the kit's agent is (its tests read what it exported).
process.once('SIGTERM', () => {
  server.close()
  server.closeAllConnections()
  void (sdk?.shutdown() ?? Promise.resolve()).finally(() => process.exit(0))
})
