import {
  type Attributes,
  context,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  trace,
} from '@opentelemetry/api'
import type { Context, MiddlewareHandler } from 'hono'
import { routePath } from 'hono/route'
import { Attr, type Outcome } from './contract.ts'
import { instruments } from './instruments.ts'
import { errorType, recordFailure, tracer } from './tracing.ts'

type ServerSpan = {
  span: Span
  started: number
  /** The metric's attributes, known once the response is. */
  attributes: Attributes
  /** A handler ends it (later than the response headers). */
  claimed: boolean
  /** The middleware has set the response's attributes. */
  finalized: boolean
  /** The handler asked to end it. */
  ending: boolean
  /** A synthetic webhook's request (its metric is tagged too). */
  synthetic: boolean
}

const spans = new WeakMap<Context, ServerSpan>()

/** Ends the span and meters the request with the same duration and attributes. */
function finish(entry: ServerSpan): void {
  entry.span.end()
  instruments().requestDuration.record((performance.now() - entry.started) / 1000, entry.attributes)
}

/** Reads only the headers the propagators ask for (`c.req.header()` copies them all). */
const headerGetter: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
}

/**
 * One SERVER span per request, named `{method} {route}` with the HTTP semantic conventions'
 * attributes and the caller's W3C trace context as parent, and `http.server.request.duration`
 * with the span's own duration: until the response is complete, for an SSE answer when its
 * stream ended (as Node's http instrumentation measures, where @hono/otel stops at the
 * headers). A webhook's span is this one (`startWebhookSpan`), not a second span inside it.
 * Install it after the probe routes: probes stay untraced and unmetered.
 */
export function serverSpans(): MiddlewareHandler {
  return async function serverSpanMiddleware(c, next) {
    const parent = propagation.extract(context.active(), c.req.raw.headers, headerGetter)
    const span = tracer().startSpan(
      c.req.method,
      {
        kind: SpanKind.SERVER,
        attributes: { [Attr.HttpMethod]: c.req.method, 'url.full': c.req.url },
      },
      parent,
    )
    const entry: ServerSpan = {
      span,
      started: performance.now(),
      attributes: {},
      claimed: false,
      finalized: false,
      ending: false,
      synthetic: false,
    }
    spans.set(c, entry)
    try {
      await context.with(trace.setSpan(parent, span), next)
    } finally {
      const route = routePath(c)
      const status = c.res.status
      span.updateName(`${c.req.method} ${route}`)
      entry.attributes = {
        [Attr.HttpMethod]: c.req.method,
        [Attr.HttpRoute]: route,
        [Attr.HttpStatus]: status,
      }
      span.setAttributes(entry.attributes)
      if (entry.synthetic) entry.attributes[Attr.Synthetic] = true
      // Hono's onError has run: c.error is what it left (the app clears it for a 4xx).
      if (c.error) recordFailure(span, c.error)
      else if (status >= 500) {
        span.setAttribute(Attr.ErrorType, String(status))
        span.setStatus({ code: SpanStatusCode.ERROR })
      }
      // The metric's error.type is the span's.
      const failure = c.error ? errorType(c.error) : status >= 500 ? String(status) : undefined
      if (failure) entry.attributes[Attr.ErrorType] = failure
      entry.finalized = true
      if (!entry.claimed || entry.ending) finish(entry)
    }
  }
}

export type WebhookSpanInput = {
  type: string
  conversation_id: string
  session_id: string
  turn_id?: string | undefined
}

export type WebhookSpan = {
  /** Records the outcome (or failure) on the span; ends it if it waits for the stream. */
  end(result?: { outcome?: Outcome; error?: unknown; firstSpeechS?: number | undefined }): void
}

/**
 * Makes the request's SERVER span (from `serverSpans()`) the webhook's span: the webhook's
 * attributes go on it, and with `untilStreamEnds` it lasts until `end()` (an SSE answer's
 * stream ended) instead of ending with the response headers. A `synthetic` webhook's span and
 * request metric carry `layercode.synthetic`. Without `serverSpans()`
 * installed, it records nothing.
 */
export function startWebhookSpan(
  c: Context,
  event: WebhookSpanInput,
  agent: string,
  options: { untilStreamEnds: boolean; synthetic?: boolean },
): WebhookSpan {
  const entry = spans.get(c)
  if (!entry) return { end() {} }
  entry.synthetic = options.synthetic === true
  entry.span.setAttributes({
    [Attr.EventType]: event.type,
    ...(entry.synthetic ? { [Attr.Synthetic]: true } : {}),
    [Attr.ConversationId]: event.conversation_id,
    [Attr.SessionId]: event.session_id,
    [Attr.AgentName]: agent,
    ...(event.turn_id ? { [Attr.TurnId]: event.turn_id } : {}),
  })
  if (options.untilStreamEnds) entry.claimed = true
  return {
    end(result = {}) {
      if (entry.ending) return
      if (result.outcome) entry.span.setAttribute(Attr.Outcome, result.outcome)
      if (result.firstSpeechS !== undefined)
        entry.span.setAttribute(Attr.TimeToFirstSpeech, result.firstSpeechS)
      if (result.error !== undefined) recordFailure(entry.span, result.error)
      if (!entry.claimed) return
      entry.ending = true
      // A turn can finish before the middleware has seen the response: it ends the span then.
      if (entry.finalized) finish(entry)
    },
  }
}
