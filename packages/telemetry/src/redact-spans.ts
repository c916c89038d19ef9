import type { Attributes, AttributeValue } from '@opentelemetry/api'
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace'
import { isMaskedHeaderAttribute } from './headers.ts'
import { REDACTED, type Redactor } from './redact.ts'

/** Semantic conventions' placeholder for a redacted query value. */
export const REDACTED_QUERY_VALUE = 'REDACTED'

/**
 * Every query value replaced by REDACTED (`?token=abc` -> `?token=REDACTED`), keys kept: a
 * webhook URL carries no query the kit needs, and a token in one must not reach a trace.
 */
export function redactUrlQuery(url: string): string {
  const at = url.indexOf('?')
  return at === -1 ? url : `${url.slice(0, at + 1)}${redactQueryString(url.slice(at + 1))}`
}

/** `a=1&b#frag` -> `a=REDACTED&b#frag`. */
export function redactQueryString(query: string): string {
  const [params, fragment] = splitOnce(query, '#')
  const redacted = params
    .split('&')
    .map((pair) => {
      const [key, value] = splitOnce(pair, '=')
      return value === undefined ? pair : `${key}=${REDACTED_QUERY_VALUE}`
    })
    .join('&')
  return fragment === undefined ? redacted : `${redacted}#${fragment}`
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator)
  return at === -1 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)]
}

function redactValue(redact: Redactor, key: string, value: AttributeValue | undefined) {
  if (value !== undefined && isMaskedHeaderAttribute(key))
    return Array.isArray(value) ? value.map(() => REDACTED) : REDACTED
  if (typeof value === 'string') {
    const masked = redact.field(key, value) as string
    if (key === 'url.full') return redactUrlQuery(masked)
    return key === 'url.query' ? redactQueryString(masked) : masked
  }
  if (Array.isArray(value)) return redact.field(key, value) as AttributeValue
  return value
}

/** A copy of `attributes` with every value redacted; the same object when nothing changed. */
function redactAttributes(redact: Redactor, attributes: Attributes): Attributes {
  let out: Attributes | undefined
  for (const [key, value] of Object.entries(attributes)) {
    const masked = redactValue(redact, key, value)
    if (masked === value || (Array.isArray(value) && sameArray(value, masked))) continue
    out ??= { ...attributes }
    out[key] = masked
  }
  return out ?? attributes
}

function sameArray(a: readonly unknown[], b: unknown): boolean {
  return Array.isArray(b) && a.length === b.length && a.every((item, i) => item === b[i])
}

/**
 * The first span processor: before any exporter sees a span, masks every secret the process
 * knows and every credential-shaped value in its attributes, status message and events
 * (exception messages and stacks included), and the query of `url.full`. An upstream that
 * echoes an API key in its error message must not put that key in a trace.
 */
export function secretRedactingSpanProcessor(redact: Redactor): SpanProcessor {
  return {
    onStart() {},
    onEnding(span: Span) {
      const attributes = redactAttributes(redact, span.attributes)
      if (attributes !== span.attributes) span.setAttributes(attributes)
      const message = span.status.message
      if (message) {
        const masked = redact.text(message)
        if (masked !== message) span.setStatus({ code: span.status.code, message: masked })
      }
      for (const event of span.events) {
        if (!event.attributes) continue
        const masked = redactAttributes(redact, event.attributes)
        // Events have no setter; the SDK's event objects are plain and still ours to change.
        if (masked !== event.attributes) (event as { attributes?: Attributes }).attributes = masked
      }
    },
    onEnd(_span: ReadableSpan) {},
    async forceFlush() {},
    async shutdown() {},
  }
}
