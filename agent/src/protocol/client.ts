import { SIGNATURE_HEADER, signPayload } from './signature.ts'
import { takeSseEvents } from './sse.ts'

export type ReceivedEvent = { event: Record<string, unknown>; atMs: number }

export type WebhookResult = {
  status: number
  contentType: string
  headers: Headers
  /** SSE events in arrival order, each with its time since the request was sent. */
  events: ReceivedEvent[]
  /** The JSON body of a non-streaming answer. */
  json: unknown
  totalMs: number
  /** Time to the first `response.tts`: the silence a caller hears. */
  firstTtsMs: number | undefined
}

export type SendOptions = {
  url: string
  secret: string
  body: unknown
  headers?: Record<string, string>
  signal?: AbortSignal
}

/** Sends one signed webhook the way LayerCode does and reads the whole answer. */
export async function sendWebhook(options: SendOptions): Promise<WebhookResult> {
  const raw = JSON.stringify(options.body)
  const started = performance.now()
  const response = await fetch(options.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [SIGNATURE_HEADER]: signPayload(options.secret, raw),
      ...options.headers,
    },
    body: raw,
    signal: options.signal ?? null,
  })
  const contentType = response.headers.get('content-type') ?? ''
  const result: WebhookResult = {
    status: response.status,
    contentType,
    headers: response.headers,
    events: [],
    json: undefined,
    totalMs: 0,
    firstTtsMs: undefined,
  }
  if (contentType.startsWith('text/event-stream') && response.body) {
    const decoder = new TextDecoder()
    let buffer = ''
    for await (const bytes of response.body) {
      const { events, rest } = takeSseEvents(buffer + decoder.decode(bytes, { stream: true }))
      buffer = rest
      const atMs = performance.now() - started
      for (const event of events as Record<string, unknown>[]) {
        result.events.push({ event, atMs })
        if (event.type === 'response.tts' && result.firstTtsMs === undefined) {
          result.firstTtsMs = atMs
        }
      }
    }
  } else {
    const text = await response.text()
    result.json = text && contentType.includes('json') ? JSON.parse(text) : text
  }
  result.totalMs = performance.now() - started
  return result
}
