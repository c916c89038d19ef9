/**
 * A user's own LayerCode backend, not the kit's agent: Hono, the official LayerCode SDK for
 * the webhook, winston for logs, and only the kit's telemetry package. Started with
 * `node --import @layercode-kit/telemetry/register src/server.ts`, it appears on every agent
 * dashboard because it records with the contract's names (spans, turn metrics, log fields).
 */
import { serve } from '@hono/node-server'
import { streamResponse, verifySignature } from '@layercode/node-server-sdk'
import {
  asSynthetic,
  executeToolSpan,
  FirstSpeechClock,
  invokeAgentSpan,
  isSyntheticMetadata,
  LOG_SYNTHETIC_FIELD,
  Outcome,
  otelLogFormat,
  recordFirstSpeechParts,
  recordSessionActivity,
  recordSessionEnd,
  recordSessionStart,
  recordToolCall,
  recordTurn,
  SessionTracker,
} from '@layercode-kit/telemetry'
import { serverSpans, startWebhookSpan, type WebhookSpan } from '@layercode-kit/telemetry/hono'
import { type Context, Hono } from 'hono'
import winston from 'winston'

const AGENT = 'weather'
/** Open sessions, for the active-sessions gauge. */
const sessions = new SessionTracker()
const secret = process.env.LAYERCODE_WEBHOOK_SECRET
if (!secret) throw new Error('set LAYERCODE_WEBHOOK_SECRET')
// Logged as JSON to stdout; the kit's format also sends every record over OTLP with the
// trace context (a no-op when the SDK is not started).
const logger = winston.createLogger({
  format: winston.format.combine(otelLogFormat(), winston.format.json()),
  transports: [new winston.transports.Console()],
})

type Webhook = {
  type: string
  session_id: string
  conversation_id: string
  turn_id?: string
  text?: string
  // The canary's webhooks say so here (the kit's contract: SYNTHETIC_METADATA_KEY).
  custom_metadata?: Record<string, unknown>
  // session.end: LayerCode's figures (recordSessionEnd ignores what is not a number).
  duration?: number
  latency?: number
  transcription_duration_seconds?: number
  tts_duration_seconds?: number
}

/** The agent itself: one tool, a sentence back. Its tool time is part of the wait for speech. */
async function answer(text: string, clock: FirstSpeechClock): Promise<string> {
  const city = /\bin ([A-Z][a-z]+)/.exec(text)?.[1] ?? 'London'
  let outcome: Outcome = Outcome.Error
  const started = performance.now()
  try {
    const forecast = await executeToolSpan('lookup_weather', `call_${Date.now()}`, async () =>
      city.length % 2 ? 'sunny' : 'raining',
    )
    outcome = Outcome.Ok
    return `It is ${forecast} in ${city}.`
  } finally {
    const durationMs = performance.now() - started
    clock.toolCallEnded(durationMs)
    recordToolCall({ agent: AGENT, tool: 'lookup_weather', outcome, durationS: durationMs / 1000 })
  }
}

function turn(
  event: Webhook,
  reply: (clock: FirstSpeechClock) => Promise<string>,
  end: (outcome: Outcome) => void,
) {
  const started = performance.now()
  // Where the wait for the first speech goes (the Turn latency budget dashboard). This app
  // runs a turn at once (no per-conversation queue) and calls no model: tools and the rest.
  const clock = new FirstSpeechClock(started)
  clock.locked()
  const fields = {
    conversation_id: event.conversation_id,
    session_id: event.session_id,
    turn_id: event.turn_id,
    event_type: event.type,
    agent: AGENT,
    ...(isSyntheticMetadata(event.custom_metadata) ? { [LOG_SYNTHETIC_FIELD]: true } : {}),
  }
  // The SDK's declaration files use extensionless imports, so its helper types do not resolve here.
  return streamResponse(
    event,
    async ({ stream }: { stream: { tts(text: string): void; end(): void } }) => {
      let outcome: Outcome = Outcome.Ok
      let firstSpeechS: number | undefined
      try {
        const text = await invokeAgentSpan(AGENT, event.conversation_id, () => reply(clock))
        firstSpeechS = (performance.now() - started) / 1000
        clock.spoke()
        stream.tts(text)
      } catch (error) {
        outcome = Outcome.Error
        logger.error('turn failed', { ...fields, error: (error as Error).message })
        stream.tts('Sorry, something went wrong.')
      } finally {
        stream.end()
        const durationS = (performance.now() - started) / 1000
        recordTurn({ agent: AGENT, eventType: event.type, outcome, durationS, firstSpeechS })
        if (outcome !== Outcome.Error)
          recordFirstSpeechParts({ agent: AGENT, eventType: event.type }, clock)
        logger.info('turn completed', {
          ...fields,
          outcome,
          duration_ms: Math.round(durationS * 1000),
        })
        end(outcome)
      }
    },
  )
}

const app = new Hono()
app.get('/health', (c) => c.json({ status: 'ok' }))
// The SERVER span and the request metric, from the kit: a webhook's span is the request's,
// lasting until its answer has streamed.
app.use(serverSpans())
app.post('/api/agent', async (c) => {
  const raw = await c.req.text()
  const signature = c.req.header('layercode-signature') ?? ''
  if (!verifySignature({ payload: raw, signature, secret }))
    return c.json({ error: 'bad signature' }, 401)
  let event: Webhook
  try {
    event = JSON.parse(raw) as Webhook
  } catch {
    return c.json({ error: 'body is not JSON' }, 400)
  }
  if (typeof event.session_id !== 'string' || typeof event.conversation_id !== 'string')
    return c.json({ error: 'session_id and conversation_id are required' }, 400)
  const streams = event.type === 'session.start' || event.type === 'message'
  const synthetic = isSyntheticMetadata(event.custom_metadata)
  const span = startWebhookSpan(c, event, AGENT, { untilStreamEnds: streams, synthetic })
  // Synthetic traffic's metrics are tagged, so the dashboards leave it out.
  return asSynthetic(synthetic, () => dispatch(c, event, span))
})

function dispatch(c: Context, event: Webhook, span: WebhookSpan): Response | Promise<Response> {
  switch (event.type) {
    case 'session.start':
      recordSessionStart(sessions, event.session_id, AGENT)
      return turn(
        event,
        async () => 'Hello! Ask me about the weather.',
        (outcome) => span.end({ outcome }),
      )
    case 'message':
      recordSessionActivity(sessions, event.session_id, AGENT)
      return turn(
        event,
        (clock) => answer(event.text ?? '', clock),
        (outcome) => span.end({ outcome }),
      )
    case 'session.end':
      recordSessionEnd(sessions, event.session_id, AGENT, {
        durationMs: event.duration,
        latencyMs: event.latency,
        transcriptionS: event.transcription_duration_seconds,
        ttsS: event.tts_duration_seconds,
      })
      return c.json({ status: 'ok' })
    default:
      return c.json({ status: 'ok' })
  }
}

const port = Number(process.env.PORT ?? 8100)
serve({ fetch: app.fetch, port, hostname: process.env.HOST ?? '127.0.0.1' }, (info) =>
  logger.info('example listening', {
    url: `http://${process.env.HOST ?? '127.0.0.1'}:${info.port}`,
  }),
)
