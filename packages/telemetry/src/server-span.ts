/**
 * The request's SERVER span and its `http.server.request.duration`, framework-neutral: the
 * Hono middleware and the fetch-handler wrapper both make one per request. The span lasts
 * until the response is complete, for an SSE answer until its stream ended (as Node's http
 * instrumentation measures), and the metric records the span's own duration and attributes.
 */
import {
  type Attributes,
  type Context,
  context,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  trace,
} from '@opentelemetry/api'
import { Attr } from './contract.ts'
import { instruments } from './instruments.ts'
import { errorType, recordFailure, tracer } from './tracing.ts'

/** Reads only the headers the propagators ask for (no copy of them all). */
const headerGetter: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
}

/** A request's SERVER span and its `http.server.request.duration`, ended once. */
export class ServerSpan {
  readonly span: Span
  /** The caller's context with this span active: run the handler in it. */
  readonly context: Context
  readonly #method: string
  readonly #started = performance.now()
  /** The metric's attributes, known once the response is. */
  #attributes: Attributes = {}
  /** A turn ends it (later than the response headers). */
  #claimed = false
  /** The response's attributes are set. */
  #responded = false
  /** The turn asked to end it. */
  #ending = false
  #done = false
  /** A synthetic webhook's request: its metric is tagged too. */
  synthetic = false

  /** Starts the span with the caller's W3C trace context as parent. */
  constructor(request: Request) {
    this.#method = request.method
    const parent = propagation.extract(context.active(), request.headers, headerGetter)
    this.span = tracer().startSpan(
      request.method,
      {
        kind: SpanKind.SERVER,
        attributes: { [Attr.HttpMethod]: request.method, 'url.full': request.url },
      },
      parent,
    )
    this.context = trace.setSpan(parent, this.span)
  }

  /** From now on the span ends when `end()` is called, not with the response. */
  claim(): void {
    this.#claimed = true
  }

  /**
   * The response is known: names the span `{method} {route}`, sets the HTTP attributes and,
   * for a thrown error or a 5xx, the failure. Ends it unless a turn claimed it.
   */
  respond(route: string | undefined, status: number, failure?: unknown): void {
    if (this.#responded) return
    this.#responded = true
    if (route) this.span.updateName(`${this.#method} ${route}`)
    const attributes: Attributes = {
      [Attr.HttpMethod]: this.#method,
      ...(route ? { [Attr.HttpRoute]: route } : {}),
      [Attr.HttpStatus]: status,
    }
    this.span.setAttributes(attributes)
    if (failure !== undefined) recordFailure(this.span, failure)
    else if (status >= 500) {
      this.span.setAttribute(Attr.ErrorType, String(status))
      this.span.setStatus({ code: SpanStatusCode.ERROR })
    }
    // The metric's error.type is the span's.
    const failed = failure !== undefined ? errorType(failure) : status >= 500 ? String(status) : ''
    if (failed) attributes[Attr.ErrorType] = failed
    if (this.synthetic) attributes[Attr.Synthetic] = true
    this.#attributes = attributes
    if (!this.#claimed || this.#ending) this.#finish()
  }

  /** The claiming turn is done: ends the span now, or once the response is known. */
  end(): void {
    if (this.#ending) return
    this.#ending = true
    if (this.#responded) this.#finish()
  }

  #finish(): void {
    if (this.#done) return
    this.#done = true
    this.span.end()
    instruments().requestDuration.record(
      (performance.now() - this.#started) / 1000,
      this.#attributes,
    )
  }
}
