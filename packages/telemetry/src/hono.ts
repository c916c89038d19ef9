/**
 * `@layercode-kit/telemetry/hono`: the kit's telemetry as Hono middleware (Hono is a peer
 * dependency: the app's own copy is the one used).
 *
 * ```ts
 * app.use('/api/agent', layercodeTelemetry({ agent: 'weather' }))
 * ```
 */
import { context } from '@opentelemetry/api'
import type { Context, MiddlewareHandler } from 'hono'
import { routePath } from 'hono/route'
import { Attr, type Outcome } from './contract.ts'
import { ServerSpan } from './server-span.ts'
import { recordFailure } from './tracing.ts'
import { type LayercodeTelemetryOptions, webhookObserver } from './webhook-telemetry.ts'

export type { LayercodeTelemetryOptions, TurnLogger } from './webhook-telemetry.ts'
export { TurnFailure } from './webhook-telemetry.ts'

const spans = new WeakMap<Context, ServerSpan>()

/** The matched route, or none (never a failed request because of telemetry). */
function route(c: Context): string | undefined {
  try {
    return routePath(c)
  } catch {
    return undefined
  }
}

/**
 * The kit's telemetry for a LayerCode webhook route, with no other call from the app: the
 * request's SERVER span (until the SSE answer ended) carrying the webhook's type, ids, agent
 * and outcome; turn metrics and time to first speech; sessions and `session.end`'s figures;
 * refused webhooks by reason; a log line per turn; canary traffic tagged. It reads a copy of
 * the body, so the handler reads it as usual (`c.req.text()`, `c.req.json()`), and passes the
 * answer through unchanged (`streamResponse` from `@layercode/node-server-sdk` included).
 */
export function layercodeTelemetry(options: LayercodeTelemetryOptions): MiddlewareHandler {
  const observer = webhookObserver(options)
  return async function layercodeTelemetryMiddleware(c, next) {
    // Under an app-wide serverSpans() the request already has its span: the webhook is it.
    const outer = spans.get(c)
    const server = outer ?? new ServerSpan(c.req.raw)
    if (!outer) spans.set(c, server)
    const response = await observer.observe(
      c.req.raw,
      server,
      async () => {
        await next()
        return { response: c.res, failure: c.error }
      },
      { route: () => route(c), respond: !outer },
    )
    if (response !== c.res) c.res = response
  }
}

/**
 * One SERVER span per request, named `{method} {route}` with the HTTP semantic conventions'
 * attributes and the caller's W3C trace context as parent, and `http.server.request.duration`
 * with the span's own duration: until the response is complete, for an SSE answer when its
 * stream ended (as Node's http instrumentation measures, where @hono/otel stops at the
 * headers). `layercodeTelemetry()` on a route makes its span the webhook's. Install it after
 * the probe routes: probes stay untraced and unmetered.
 */
export function serverSpans(): MiddlewareHandler {
  return async function serverSpanMiddleware(c, next) {
    const server = new ServerSpan(c.req.raw)
    spans.set(c, server)
    try {
      await context.with(server.context, next)
    } finally {
      // Hono's onError has run: c.error is what it left (the app clears it for a 4xx).
      server.respond(route(c), c.res.status, c.error)
    }
  }
}

/** The parsed webhook fields `startWebhookSpan` reads. */
export type WebhookSpanInput = {
  type: string
  conversation_id: string
  session_id: string
  turn_id?: string | undefined
}

/** A webhook span started by `startWebhookSpan`, ended once its answer has streamed. */
export type WebhookSpan = {
  /** Records the outcome (or failure) on the span; ends it if it waits for the stream. */
  end(result?: { outcome?: Outcome; error?: unknown; firstSpeechS?: number | undefined }): void
}

/**
 * For apps that record turns themselves (the explicit API): makes the request's SERVER span
 * (from `serverSpans()`) the webhook's span: the webhook's attributes go on it, and with
 * `untilStreamEnds` it lasts until `end()` (an SSE answer's stream ended) instead of ending
 * with the response headers. A `synthetic` webhook's span and request metric carry
 * `layercode.synthetic`. Without `serverSpans()` installed, it records nothing.
 */
export function startWebhookSpan(
  c: Context,
  event: WebhookSpanInput,
  agent: string,
  options: { untilStreamEnds: boolean; synthetic?: boolean },
): WebhookSpan {
  const server = spans.get(c)
  if (!server) return { end() {} }
  server.synthetic = options.synthetic === true
  server.span.setAttributes({
    [Attr.EventType]: event.type,
    ...(server.synthetic ? { [Attr.Synthetic]: true } : {}),
    [Attr.ConversationId]: event.conversation_id,
    [Attr.SessionId]: event.session_id,
    [Attr.AgentName]: agent,
    ...(event.turn_id ? { [Attr.TurnId]: event.turn_id } : {}),
  })
  if (options.untilStreamEnds) server.claim()
  let ended = false
  return {
    end(result = {}) {
      if (ended) return
      ended = true
      if (result.outcome) server.span.setAttribute(Attr.Outcome, result.outcome)
      if (result.firstSpeechS !== undefined)
        server.span.setAttribute(Attr.TimeToFirstSpeech, result.firstSpeechS)
      if (result.error !== undefined) recordFailure(server.span, result.error)
      // A turn can finish before the middleware has seen the response: it ends the span then.
      if (options.untilStreamEnds) server.end()
    },
  }
}
