import {
  encodeSseEvent,
  type ResponseEvent,
  SIGNATURE_HEADER,
  SSE_HEADERS,
  verifySignature,
} from '@layercode-kit/protocol'
import {
  asSynthetic,
  chargingSession,
  FAULT_HEADER,
  isSyntheticMetadata,
  LOG_SYNTHETIC_FIELD,
  recordSessionActivity,
  recordSessionEnd,
  recordSessionStart,
  SessionTracker,
} from '@layercode-kit/telemetry'
import { startWebhookSpan, type WebhookSpan } from '@layercode-kit/telemetry/hono'
import type { Context, Handler } from 'hono'
import { runWithCallContext } from '../logging/context.ts'
import { errorFields } from '../logging/logger.ts'
import {
  customMetadata,
  parseWebhookEvent,
  type TurnEvent,
  type WebhookEvent,
} from '../protocol/events.ts'
import { parseJson } from '../protocol/json.ts'
import { faultHandling } from '../turn/faults.ts'
import { KeyedQueue } from '../turn/keyed-queue.ts'
import { runTurn, type TurnDeps, type TurnSink } from '../turn/run-turn.ts'
import { httpError } from './http-error.ts'
import { readBody } from './read-body.ts'
import { SIGNATURE_MESSAGES, webhookRejections } from './rejections.ts'

export type WebhookDeps = Omit<TurnDeps, 'turns'> & {
  webhookSecret: string | undefined
  /** One per app unless given: turns of one conversation run one after another. */
  turns?: KeyedQueue
  /** One per app unless given: the active-sessions gauge reads it. */
  sessions?: SessionTracker
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

function parseBody(raw: Uint8Array): WebhookEvent {
  let text: string
  try {
    text = utf8.decode(raw)
  } catch {
    throw httpError(400, 'invalid_json', 'body is not valid UTF-8')
  }
  const json = parseJson(text)
  if (!json.ok) throw httpError(400, json.code, json.message)
  const result = parseWebhookEvent(json.value)
  if (!result.ok) throw httpError(400, 'invalid_event', result.message)
  return result.event
}

/**
 * The turn's answer as an SSE body: a plain ReadableStream the turn enqueues into. Hono's
 * streamSSE (a TransformStream and a WeakMap entry per response) took 3x the young-generation
 * GC time of this in a bare Hono app under load, and ~20% of the echo agent's throughput.
 * The caller hanging up cancels the stream, which aborts the turn.
 */
function streamTurn(c: Context, deps: TurnDeps, event: TurnEvent, span: WebhookSpan): Response {
  const abort = new AbortController()
  let open = true
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined
  const body = new ReadableStream<Uint8Array>({
    start(streamController) {
      controller = streamController
    },
    cancel() {
      open = false
      abort.abort(new Error('the caller closed the stream'))
    },
  })
  const write = (response: ResponseEvent) => {
    if (open) controller?.enqueue(encodeSseEvent(response))
  }
  const turnId = event.turn_id
  const sink: TurnSink = {
    tts: (content) => write({ type: 'response.tts', content, turn_id: turnId }),
    data: (content) => write({ type: 'response.data', content, turn_id: turnId }),
    end: () => write({ type: 'response.end', turn_id: turnId }),
  }
  const close = () => {
    if (open) controller?.close()
    open = false
  }
  runTurn(deps, event, sink, abort.signal).then(
    (result) => {
      close()
      span.end(result)
    },
    (error) => {
      // runTurn never throws; this guards the stream plumbing itself.
      close()
      span.end({ error })
      deps.logger.error('stream failed', errorFields(error))
    },
  )
  const fault = faultHandling(deps, event)
  return c.body(body, 200, {
    'Content-Type': 'text/event-stream',
    ...SSE_HEADERS,
    ...(fault ? { [FAULT_HEADER]: fault } : {}),
  })
}

async function dispatch(
  c: Context,
  deps: TurnDeps & WebhookDeps & { sessions: SessionTracker },
  event: WebhookEvent,
  span: WebhookSpan,
): Promise<Response> {
  switch (event.type) {
    case 'session.start':
      recordSessionStart(deps.sessions, event.session_id, deps.agent.name)
      return chargingSession(deps.sessions, event.session_id, () =>
        streamTurn(c, deps, event, span),
      )
    case 'message':
      recordSessionActivity(deps.sessions, event.session_id, deps.agent.name)
      return chargingSession(deps.sessions, event.session_id, () =>
        streamTurn(c, deps, event, span),
      )
    case 'data':
      return c.json((deps.agent.onData?.(event.data) ?? { status: 'ok' }) as object)
    case 'session.update':
      deps.logger.info('session updated', {
        recording_status: event.recording_status,
        recording_duration: event.recording_duration,
        error_message: event.error_message,
      })
      return c.json({ status: 'ok' })
    case 'session.end': {
      const seen = recordSessionEnd(deps.sessions, event.session_id, deps.agent.name, {
        durationMs: event.duration,
        latencyMs: event.latency,
        transcriptionS: event.transcription_duration_seconds,
        ttsS: event.tts_duration_seconds,
      })
      await deps.turns.run(event.conversation_id, async () =>
        deps.store.drop(event.conversation_id),
      )
      deps.logger.info('session ended', {
        duration_ms: event.duration,
        latency: event.latency,
        transcription_s: event.transcription_duration_seconds,
        tts_s: event.tts_duration_seconds,
        turns: seen?.turns,
        spend_usd: seen === undefined ? undefined : Number(seen.spendUsd.toFixed(6)),
        transcript_entries: event.transcript?.length ?? 0,
        recording_status: event.recording_status,
      })
      return c.json({ status: 'ok' })
    }
  }
}

/**
 * The LayerCode webhook: verify the signature over the raw bytes, then validate, then
 * dispatch by event type, with the call context set for every log line below.
 */
export function webhookHandler(options: WebhookDeps): Handler {
  const deps: TurnDeps & WebhookDeps & { sessions: SessionTracker } = {
    ...options,
    turns: options.turns ?? new KeyedQueue(),
    sessions: options.sessions ?? new SessionTracker(),
  }
  const reject = webhookRejections({ logger: deps.logger, agent: deps.agent.name })
  return async function handleWebhook(c) {
    if (!deps.webhookSecret) {
      throw httpError(500, 'secret_missing', 'LAYERCODE_WEBHOOK_SECRET is not set on the server')
    }
    const raw = await readBody(c)
    const check = verifySignature({
      header: c.req.header(SIGNATURE_HEADER),
      rawBody: raw,
      secret: deps.webhookSecret,
    })
    if (!check.ok) {
      reject(check.reason)
      throw httpError(401, 'invalid_signature', SIGNATURE_MESSAGES[check.reason])
    }
    const event = parseBody(raw)
    const synthetic = isSyntheticMetadata(customMetadata(event))
    const callContext = {
      conversation_id: event.conversation_id,
      session_id: event.session_id,
      turn_id: 'turn_id' in event ? event.turn_id : undefined,
      event_type: event.type,
      agent: deps.agent.name,
      ...(synthetic ? { [LOG_SYNTHETIC_FIELD]: true as const } : {}),
    }
    const streams = event.type === 'session.start' || event.type === 'message'
    const span = startWebhookSpan(c, event, deps.agent.name, {
      untilStreamEnds: streams,
      synthetic,
    })
    // The canary's webhooks: every metric recorded below is tagged (the dashboards leave them out).
    return asSynthetic(synthetic, () =>
      runWithCallContext(callContext, async () => {
        try {
          return await dispatch(c, deps, event, span)
        } catch (error) {
          // No stream will end the span: Hono's onError decides the answer, and the SERVER
          // span records what it decided.
          span.end()
          throw error
        }
      }),
    )
  }
}
