import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { encodeSseEvent, type ResponseEvent, takeSseEvents } from './sse.ts'

const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

describe('SSE framing', () => {
  it('encodes one event as a single data line and a blank line', () => {
    const event: ResponseEvent = { type: 'response.tts', content: 'Hi.\nBye.', turn_id: 't1' }
    assert.equal(
      decode(encodeSseEvent(event)),
      'data: {"type":"response.tts","content":"Hi.\\nBye.","turn_id":"t1"}\n\n',
    )
  })

  it('round-trips events through takeSseEvents, keeping an incomplete tail for later', () => {
    const events: ResponseEvent[] = [
      { type: 'response.tts', content: 'Hello', turn_id: 't1' },
      { type: 'response.data', content: { items: [1, 2] }, turn_id: 't1' },
      { type: 'response.end', turn_id: 't1' },
    ]
    const text = events.map((e) => decode(encodeSseEvent(e))).join('')
    const cut = text.length - 5
    const first = takeSseEvents(text.slice(0, cut))
    const second = takeSseEvents(first.rest + text.slice(cut))
    assert.deepEqual([...first.events, ...second.events], events)
    assert.equal(second.rest, '')
  })

  it('reads CRLF and CR line endings, comments and multi-line data, as the SSE spec allows', () => {
    const text =
      ': keep-alive\r\ndata: {"type":\r\ndata: "response.end","turn_id":"t1"}\r\n\r\ndata: {"a":1}\r\rdata: {"b"'
    const { events, rest } = takeSseEvents(text)
    assert.deepEqual(events, [{ type: 'response.end', turn_id: 't1' }, { a: 1 }])
    assert.equal(rest, 'data: {"b"')
  })
})
