/**
 * Follows a LayerCode SSE answer as it streams to the caller, without changing a byte: the
 * first `response.tts` (first speech), an error (`response.error`, as the official SDK sends
 * on a failed handler, or `response.data` with an `error`, as the Python toolkit does),
 * `response.end`, and how the stream stopped (ended, failed, or cancelled by the caller).
 */

/** What an unfinished event may hold before it is dropped (an answer without separators). */
const MAX_PENDING_CHARS = 2 ** 20

/** What watching an SSE answer reports. */
export type SseObserver = {
  /** The first `response.tts` went out. */
  spoke(): void
  /** The answer reported a failure. */
  failed(): void
  /** `response.end` went out. */
  ended(): void
  /** The stream is over: `closed` (its end), `errored` (the app's stream threw), `cancelled` (the caller left). */
  stopped(how: 'closed' | 'errored' | 'cancelled', reason?: unknown): void
}

/** Parses `data:` lines of complete events; tolerant of chunks split anywhere. */
export class SseReader {
  readonly #observer: SseObserver
  readonly #decoder = new TextDecoder()
  #pending = ''
  #spoken = false

  constructor(observer: SseObserver) {
    this.#observer = observer
  }

  push(chunk: Uint8Array): void {
    this.#pending += this.#decoder.decode(chunk, { stream: true }).replaceAll('\r\n', '\n')
    const events = this.#pending.split('\n\n')
    this.#pending = events.pop() ?? ''
    if (this.#pending.length > MAX_PENDING_CHARS) this.#pending = ''
    for (const event of events) this.#event(event)
  }

  #event(event: string): void {
    for (const line of event.split('\n')) {
      if (!line.startsWith('data:')) continue
      let data: unknown
      try {
        data = JSON.parse(line.slice(5))
      } catch {
        continue
      }
      if (!data || typeof data !== 'object') continue
      const { type, content } = data as { type?: unknown; content?: unknown }
      if (type === 'response.tts') {
        if (!this.#spoken) this.#observer.spoke()
        this.#spoken = true
      } else if (type === 'response.error') this.#observer.failed()
      else if (
        type === 'response.data' &&
        content &&
        typeof content === 'object' &&
        'error' in content
      )
        this.#observer.failed()
      else if (type === 'response.end') this.#observer.ended()
    }
  }
}

/**
 * The same bytes as `body`, read as they go out. `stopped` is called once, before the last
 * byte leaves when the stream closes (so a span ended there still has the response's end).
 */
export function watchSse(
  body: ReadableStream<Uint8Array>,
  observer: SseObserver,
): ReadableStream<Uint8Array> {
  const reader = body.getReader()
  const sse = new SseReader(observer)
  let stopped = false
  const stop = (how: 'closed' | 'errored' | 'cancelled', reason?: unknown) => {
    if (stopped) return
    stopped = true
    try {
      observer.stopped(how, reason)
    } catch {
      // as above
    }
  }
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let result: Awaited<ReturnType<typeof reader.read>>
      try {
        result = await reader.read()
      } catch (error) {
        stop('errored', error)
        controller.error(error)
        return
      }
      if (result.done) {
        stop('closed')
        controller.close()
        return
      }
      try {
        sse.push(result.value)
      } catch {
        // Telemetry never breaks the answer it watches.
      }
      controller.enqueue(result.value)
    },
    async cancel(reason) {
      stop('cancelled', reason)
      await reader.cancel(reason)
    },
  })
}
