import { createParser } from 'eventsource-parser'
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

/** The end of the last complete event: a blank line, with any of SSE's three line endings. */
const LAST_EVENT_END = /(?:\r\n|\r|\n)(?:\r\n|\r|\n)(?![\s\S]*(?:\r\n|\r|\n)(?:\r\n|\r|\n))/

/**
 * Parses the complete events of an SSE buffer as JSON (their `data:` lines joined, as the SSE
 * spec says, by eventsource-parser: CRLF, CR or LF line endings, comments, multi-line data);
 * returns the incomplete tail for the next chunk.
 */
export function takeSseEvents(buffer: string): { events: unknown[]; rest: string } {
  const end = LAST_EVENT_END.exec(buffer)
  if (!end) return { events: [], rest: buffer }
  const events: unknown[] = []
  const parser = createParser({
    onEvent: (event) => {
      if (event.data) events.push(JSON.parse(event.data))
    },
  })
  const complete = buffer.slice(0, end.index + end[0].length)
  // Only complete events are fed, so a final CR ends a line; the parser would wait to see
  // whether an LF follows (half a CRLF), so it gets one: the same single line end.
  parser.feed(complete.endsWith('\r') ? `${complete}\n` : complete)
  return { events, rest: buffer.slice(end.index + end[0].length) }
}
