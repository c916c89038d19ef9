import { type Agent, request } from 'node:http'
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
  /** The request was cancelled once the answer's headers arrived (`hangUp`). */
  hungUp: boolean
}

export type SendOptions = {
  url: string
  secret: string
  body: unknown
  headers?: Record<string, string>
  signal?: AbortSignal
  /** Cancel the answer as soon as its headers arrive, as a caller hanging up mid-answer does. */
  hangUp?: boolean
}

/** The body as sent and the headers LayerCode signs it with (plus the caller's). */
function signed(options: Pick<SendOptions, 'body' | 'secret' | 'headers'>) {
  const raw = JSON.stringify(options.body)
  const headers = {
    'content-type': 'application/json',
    [SIGNATURE_HEADER]: signPayload(options.secret, raw),
    ...options.headers,
  }
  return { raw, headers }
}

/** Sends one signed webhook the way LayerCode does and reads the whole answer. */
export async function sendWebhook(options: SendOptions): Promise<WebhookResult> {
  const { raw, headers } = signed(options)
  const started = performance.now()
  const hangUp = options.hangUp ? new AbortController() : undefined
  const signals = [options.signal, hangUp?.signal].filter((s) => s !== undefined)
  const response = await fetch(options.url, {
    method: 'POST',
    headers,
    body: raw,
    signal: signals.length > 0 ? AbortSignal.any(signals) : null,
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
    hungUp: false,
  }
  if (hangUp) {
    hangUp.abort(new Error('the caller hung up'))
    await response.body?.cancel().catch(() => {})
    result.hungUp = true
    result.totalMs = performance.now() - started
    return result
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

/**
 * The same signed request over node:http (a keep-alive `agent`), reading events as they
 * arrive: the lighter transport, for a driver whose own CPU would otherwise weigh on what it
 * measures (the benchmark). Rejects on a network error.
 */
export function sendWebhookOverHttp(
  options: Omit<SendOptions, 'hangUp' | 'signal'> & { agent?: Agent },
): Promise<{ status: number; events: unknown[]; totalMs: number; firstTtsMs: number | undefined }> {
  const { raw, headers } = signed(options)
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const req = request(
      options.url,
      {
        method: 'POST',
        ...(options.agent ? { agent: options.agent } : {}),
        headers: { ...headers, 'content-length': Buffer.byteLength(raw) },
      },
      (res) => {
        const events: unknown[] = []
        let firstTtsMs: number | undefined
        let pending = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          const taken = takeSseEvents(pending + chunk)
          pending = taken.rest
          for (const event of taken.events) {
            events.push(event)
            if (firstTtsMs === undefined && (event as { type?: unknown }).type === 'response.tts')
              firstTtsMs = performance.now() - started
          }
        })
        res.on('error', reject)
        res.on('end', () => {
          events.push(...takeSseEvents(`${pending}\n\n`).events)
          resolve({
            status: res.statusCode ?? 0,
            events,
            totalMs: performance.now() - started,
            firstTtsMs,
          })
        })
      },
    )
    req.on('error', reject)
    req.end(raw)
  })
}
