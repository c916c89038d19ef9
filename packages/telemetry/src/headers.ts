import { REDACTED } from './redact.ts'

/**
 * The HTTP headers whose values may appear in a log line or a span attribute: how the body is
 * framed, who the client is, and the request and trace ids. Every other header is shown as
 * present with its value masked, whatever its name: credentials travel under names no pattern
 * foresees (x-functions-key, ocp-apim-subscription-key, x-access-key...). The OpenTelemetry
 * HTTP instrumentations likewise capture only the headers they are configured with.
 */
export const LOGGED_HEADERS = [
  'accept',
  'content-encoding',
  'content-length',
  'content-type',
  'host',
  'traceparent',
  'tracestate',
  'transfer-encoding',
  'user-agent',
  'x-amzn-trace-id',
  'x-cloud-trace-context',
  'x-correlation-id',
  'x-request-id',
] as const

const LOGGED = new Set<string>(LOGGED_HEADERS)

/** Headers for a log line: allowlisted values as they came, every other value masked. */
export function headersForLog(headers: Iterable<[string, string]>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of headers) {
    const key = name.toLowerCase()
    out[key] = LOGGED.has(key) ? value : REDACTED
  }
  return out
}

/** Any captured header attribute (`http.request.header.<name>`, `http.response.header.<name>`). */
export const HEADER_ATTRIBUTE_PATTERN = '^http[.](?:request|response)[.]header[.]'

/**
 * The captured header attributes the allowlist keeps, as one RE2-compatible regex (the
 * collector's redaction/headers uses it too; instrumentations spell `-` as `-` or `_`).
 */
export const LOGGED_HEADER_ATTRIBUTE_PATTERN = `(?i)${HEADER_ATTRIBUTE_PATTERN}(?:${LOGGED_HEADERS.map(
  (name) => name.replaceAll('-', '[-_]'),
).join('|')})$`

const HEADER_ATTRIBUTE = new RegExp(HEADER_ATTRIBUTE_PATTERN)
const LOGGED_HEADER_ATTRIBUTE = new RegExp(LOGGED_HEADER_ATTRIBUTE_PATTERN.slice(4), 'i')

/**
 * True for a span attribute that holds a header the allowlist does not name
 * (`http.request.header.<name>`, `http.response.header.<name>`, as the HTTP semantic
 * conventions spell captured headers).
 */
export function isMaskedHeaderAttribute(key: string): boolean {
  return HEADER_ATTRIBUTE.test(key) && !LOGGED_HEADER_ATTRIBUTE.test(key)
}
