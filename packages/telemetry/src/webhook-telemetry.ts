/**
 * Everything the kit's dashboards need from a LayerCode webhook endpoint, observed from
 * outside the app's handler, as the Python integration's TurnTelemetry does: the webhook's
 * type and ids (from a copy of the body), the SSE answer (first speech, an error event,
 * `response.end`, the caller hanging up), and the response's status. From those it records
 * the webhook's span, the turn metrics and time to first speech, sessions and `session.end`'s
 * figures, refused webhooks, and a log line per turn; synthetic (canary) traffic is tagged.
 * The Hono middleware and the fetch-handler wrapper are thin adapters over `observeWebhook`.
 */
import { type AnyValue, context, logs, SeverityNumber, SpanStatusCode } from '@opentelemetry/api'
import { Attr, Outcome, type WebhookRejection } from './contract.ts'
import { FirstSpeechClock, recordFirstSpeechParts, timingFirstSpeech } from './first-speech.ts'
import {
  recordSessionActivity,
  recordSessionEnd,
  recordSessionStart,
  recordTurn,
  recordWebhookRejection,
} from './recording.ts'
import { SCOPE_NAME, SCOPE_VERSION } from './scope.ts'
import type { ServerSpan } from './server-span.ts'
import { SessionTracker } from './sessions.ts'
import { chargingTo } from './spend.ts'
import { watchSse } from './sse-watch.ts'
import { asSynthetic } from './synthetic.ts'
import { errorType } from './tracing.ts'
import { inWebhook, type WebhookScope, webhookLogFields } from './webhook-context.ts'
import {
  parseWebhook,
  readWebhookBody,
  rejectionReason,
  SIGNATURE_HEADER,
  TURN_EVENTS,
  type WebhookEvent,
} from './webhook-event.ts'

/** Where the turn's log lines go: the app's logger (winston's signature), or OTLP directly. */
export type TurnLogger = {
  info(message: string, fields: Record<string, unknown>): unknown
  warn(message: string, fields: Record<string, unknown>): unknown
  error(message: string, fields: Record<string, unknown>): unknown
}

/** Options of `layercodeTelemetry` and `withLayercodeTelemetry`. */
export type LayercodeTelemetryOptions = {
  /** `gen_ai.agent.name` on every span, metric and log line of this endpoint. */
  agent: string
  /**
   * The "turn completed", "turn failed" and "webhook rejected" lines. Default: emitted as
   * OpenTelemetry log records (to Loki through the collector) with the trace context. Pass
   * your logger (winston with `otelLogFormat()`, say) to see them in its output too.
   */
  logger?: TurnLogger
  /** Sessions open here, for the active-sessions gauge; one per middleware by default. */
  sessions?: SessionTracker
}

/** Why a turn failed, when no exception says it (`error.type`). */
export const TurnFailure = {
  /** The answer carried `response.error` or a `response.data` with an `error`. */
  ErrorEvent: 'layercode.error_event',
  /** A message's answer ended without a word spoken. */
  NoSpeech: 'layercode.no_speech',
  /** The answer's stream closed without `response.end` (the caller would wait). */
  NoEnd: 'layercode.no_response_end',
} as const

/** At most one "webhook rejected" line per reason this often (the metric counts them all). */
const REJECTION_LOG_INTERVAL_MS = 10_000

const SEVERITY = {
  info: SeverityNumber.INFO,
  warn: SeverityNumber.WARN,
  error: SeverityNumber.ERROR,
} as const

/** The default logger: OpenTelemetry log records, in the webhook span's context. */
function otlpLogger(): TurnLogger {
  const emit = (level: keyof typeof SEVERITY) => (message: string, fields: object) => {
    logs.getLogger(SCOPE_NAME, SCOPE_VERSION).emit({
      severityNumber: SEVERITY[level],
      severityText: level,
      body: message,
      attributes: fields as Record<string, AnyValue>,
      context: context.active(),
    })
  }
  return { info: emit('info'), warn: emit('warn'), error: emit('error') }
}

const isEventStream = (response: Response) =>
  response.headers.get('content-type')?.toLowerCase().startsWith('text/event-stream') === true

/** How the app answered, as far as the adapter knows it. */
export type Handled = {
  response: Response
  /** An error the framework caught and turned into the response (Hono's `c.error`). */
  failure?: unknown
}

/** What the answer's stream showed, for a turn. */
type Answer = {
  firstSpeechS?: number
  failed: boolean
  ended: boolean
  stopped?: 'closed' | 'errored' | 'cancelled'
  failure?: unknown
}

/** Observes webhook requests for one agent (the adapters' shared core). */
export type WebhookObserver = {
  readonly agent: string
  /**
   * Runs `handle` (the app) for `request` inside `server`'s span and the webhook's scopes, and
   * returns its response, an SSE answer wrapped so the turn is recorded when it stops. A
   * thrown error is recorded and rethrown. `respond` (default true): this call sets the span's
   * HTTP attributes (false when an outer `serverSpans()` does).
   */
  observe(
    request: Request,
    server: ServerSpan,
    handle: () => Promise<Handled>,
    options?: { route?: () => string | undefined; respond?: boolean },
  ): Promise<Response>
}

/** Telemetry's own failure never reaches the caller; it is reported once a minute at most. */
let lastFailureReport = Number.NEGATIVE_INFINITY
function guarded(where: string, step: () => void): void {
  try {
    step()
  } catch (error) {
    const now = performance.now()
    if (now - lastFailureReport < 60_000) return
    lastFailureReport = now
    console.warn(`@layercode-kit/telemetry: ${where} failed (the request is unaffected):`, error)
  }
}

/** The observer behind both adapters. */
export function webhookObserver(options: LayercodeTelemetryOptions): WebhookObserver {
  const { agent } = options
  const logger = options.logger ?? otlpLogger()
  const sessions = options.sessions ?? new SessionTracker()
  sessions.track(agent)
  const rejectionsLogged = new Map<WebhookRejection, { at: number; suppressed: number }>()

  function rejected(request: Request): void {
    const reason = rejectionReason(request.headers.get(SIGNATURE_HEADER))
    recordWebhookRejection(agent, reason)
    const now = performance.now()
    const last = rejectionsLogged.get(reason)
    if (last && now - last.at < REJECTION_LOG_INTERVAL_MS) {
      last.suppressed++
      return
    }
    rejectionsLogged.set(reason, { at: now, suppressed: 0 })
    logger.warn('webhook rejected', {
      agent,
      [Attr.RejectionReason]: reason,
      suppressed: last?.suppressed ?? 0,
    })
  }

  /** A webhook the app accepted that is no turn: its span's attributes, session.end's figures. */
  function other(event: WebhookEvent): void {
    if (event.type !== 'session.end' || !event.sessionId) return
    recordSessionEnd(sessions, event.sessionId, agent, event.figures)
  }

  function turn(
    event: WebhookEvent,
    server: ServerSpan,
    clock: FirstSpeechClock,
    started: number,
    status: number,
    answer: Answer,
    spentUsd: number,
  ): void {
    const durationS = (performance.now() - started) / 1000
    let failure: string | undefined
    if (answer.failure !== undefined) failure = errorType(answer.failure)
    else if (status >= 500) failure = String(status)
    else if (answer.failed) failure = TurnFailure.ErrorEvent
    else if (answer.stopped === 'closed' && !answer.ended) failure = TurnFailure.NoEnd
    else if (
      answer.stopped === 'closed' &&
      event.type === 'message' &&
      answer.firstSpeechS === undefined
    )
      failure = TurnFailure.NoSpeech
    const outcome =
      failure !== undefined
        ? Outcome.Error
        : answer.stopped === 'cancelled' && !answer.ended
          ? Outcome.Aborted
          : Outcome.Ok
    const span = server.span
    span.setAttribute(Attr.Outcome, outcome)
    if (answer.firstSpeechS !== undefined)
      span.setAttribute(Attr.TimeToFirstSpeech, answer.firstSpeechS)
    if (failure !== undefined) {
      span.setAttribute(Attr.ErrorType, failure)
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: 'the agent failed to answer this turn',
      })
    }
    if (event.sessionId) {
      if (event.type === 'session.start') recordSessionStart(sessions, event.sessionId, agent)
      else recordSessionActivity(sessions, event.sessionId, agent)
      sessions.addSpend(event.sessionId, spentUsd)
    }
    recordTurn({
      agent,
      eventType: event.type,
      outcome,
      durationS,
      firstSpeechS: answer.firstSpeechS,
    })
    // A failed turn's first speech may be an apology: its parts would explain nothing.
    const parts =
      outcome === Outcome.Error
        ? undefined
        : recordFirstSpeechParts({ agent, eventType: event.type }, clock)
    const fields = webhookLogFields({ agent, event })
    const ms = (s: number | undefined) => (s === undefined ? undefined : Math.round(s * 1000))
    if (failure !== undefined) logger.error('turn failed', { ...fields, [Attr.ErrorType]: failure })
    logger.info(
      'turn completed',
      Object.fromEntries(
        Object.entries({
          ...fields,
          outcome,
          duration_ms: ms(durationS),
          first_speech_ms: ms(answer.firstSpeechS),
          first_speech_queue_ms: ms(parts?.queueS),
          first_speech_model_ms: ms(parts?.modelS),
          first_speech_tools_ms: ms(parts?.toolsS),
          first_speech_sentence_ms: ms(parts?.sentenceS),
        }).filter(([, value]) => value !== undefined),
      ),
    )
  }

  return {
    agent,
    async observe(request, server, handle, { route, respond = true } = {}) {
      const started = performance.now()
      server.claim()
      let event: WebhookEvent | undefined
      try {
        const body = await readWebhookBody(request)
        event = body === undefined ? undefined : parseWebhook(body)
      } catch {
        event = undefined
      }
      const known = event
      if (known)
        guarded('reading the webhook', () => {
          server.synthetic = known.synthetic
          server.span.setAttributes({
            [Attr.EventType]: known.type,
            [Attr.AgentName]: agent,
            ...(known.synthetic ? { [Attr.Synthetic]: true } : {}),
            ...(known.conversationId ? { [Attr.ConversationId]: known.conversationId } : {}),
            ...(known.sessionId ? { [Attr.SessionId]: known.sessionId } : {}),
            ...(known.turnId ? { [Attr.TurnId]: known.turnId } : {}),
          })
        })
      const isTurn = known !== undefined && TURN_EVENTS.has(known.type)
      const clock = new FirstSpeechClock(started, undefined, 'observed')
      let spentUsd = 0
      const scope: WebhookScope | undefined = known && { agent, event: known }
      const run = (): Promise<Handled> => {
        if (!scope) return handle()
        return inWebhook(scope, () =>
          asSynthetic(scope.event.synthetic, () =>
            isTurn
              ? chargingTo(
                  (usd) => {
                    spentUsd += usd
                  },
                  () => timingFirstSpeech(clock, handle),
                )
              : handle(),
          ),
        )
      }
      // Recorded in the span's context (log lines' trace ids) and the traffic's scope.
      const record = (step: () => void) =>
        context.with(server.context, () => asSynthetic(known?.synthetic === true, step))
      const finish = (status: number, answer: Answer) => {
        record(() =>
          guarded('recording the webhook', () => {
            if (status === 401) rejected(request)
            // A webhook the app refused (signature, body) is no turn: its 4xx says so.
            if (known && (status < 400 || status >= 500)) {
              if (isTurn) turn(known, server, clock, started, status, answer, spentUsd)
              else other(known)
            }
          }),
        )
        server.end()
      }

      let handled: Handled
      try {
        // Under serverSpans() the span's context is active already: no second scope.
        handled = await (context.active() === server.context
          ? run()
          : context.with(server.context, run))
      } catch (error) {
        if (respond) server.respond(route?.(), 500, error)
        finish(500, { failed: false, ended: false, failure: error })
        throw error
      }
      const { response, failure } = handled
      if (respond) guarded('the span', () => server.respond(route?.(), response.status, failure))
      if (!isTurn || response.status !== 200 || !response.body || !isEventStream(response)) {
        finish(response.status, { failed: false, ended: false, failure })
        return response
      }
      const answer: Answer = { failed: false, ended: false, failure }
      const body = watchSse(response.body, {
        spoke: () => {
          answer.firstSpeechS = (performance.now() - started) / 1000
          clock.spoke()
        },
        failed: () => {
          answer.failed = true
        },
        ended: () => {
          answer.ended = true
        },
        stopped: (how, reason) => {
          answer.stopped = how
          if (how === 'errored') answer.failure = reason
          finish(response.status, answer)
        },
      })
      return new Response(body, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      })
    },
  }
}
