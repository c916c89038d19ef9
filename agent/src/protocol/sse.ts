/** What the agent streams back for `session.start` and `message` (one `data:` line per event). */
export type ResponseEvent =
  | { type: 'response.tts'; content: string; turn_id: string }
  | { type: 'response.data'; content: unknown; turn_id: string }
  | { type: 'response.end'; turn_id: string }

export const SSE_HEADERS = {
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no', // stops nginx-style proxies from buffering the stream
} as const

const encoder = new TextEncoder()

/** One event as its SSE bytes: a single `data:` line (JSON has no raw newlines) and a blank line. */
export function encodeSseEvent(event: ResponseEvent): Uint8Array {
  return encoder.encode(`data: ${JSON.stringify(event)}\n\n`)
}

/** Parses complete `data: <json>` events out of an SSE buffer; returns what is left over. */
export function takeSseEvents(buffer: string): { events: unknown[]; rest: string } {
  const events: unknown[] = []
  let rest = buffer
  for (let end = rest.indexOf('\n\n'); end !== -1; end = rest.indexOf('\n\n')) {
    const block = rest.slice(0, end)
    rest = rest.slice(end + 2)
    const data = block
      .split('\n')
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).replace(/^ /, ''))
      .join('\n')
    if (data) events.push(JSON.parse(data))
  }
  return { events, rest }
}
