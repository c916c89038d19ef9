/** What the HTTP tests of the webhook send and check: signed streams, raw posts, a turn's SSE answer. */
import assert from 'node:assert/strict'
import { SIGNATURE_HEADER, signPayload } from '@layercode-kit/protocol'
import { TEST_SECRET } from './agent-server.ts'

export const SSE_BODY = /^(data: \{[^\n]*\}\n\n)+$/

/** A signed webhook whose answer the test reads as it streams (the SSE body unread). */
export function streamSigned(url: string, event: Record<string, unknown>, signal?: AbortSignal) {
  const body = JSON.stringify(event)
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [SIGNATURE_HEADER]: signPayload(TEST_SECRET, body),
    },
    body,
    ...(signal ? { signal } : {}),
  })
}

export async function rawPost(url: string, body: string, headers: Record<string, string>) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  })
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    headers: response.headers,
    text: await response.text(),
  }
}

export function assertTurnStream(events: Array<Record<string, unknown>>, turnId: string) {
  assert.ok(events.length >= 2, 'at least one answer and the end')
  assert.equal(events.at(-1)?.type, 'response.end', 'response.end comes last')
  assert.equal(
    events.filter((e) => e.type === 'response.end').length,
    1,
    'exactly one response.end',
  )
  for (const event of events) {
    assert.equal(event.turn_id, turnId, 'every event carries the request turn_id')
    assert.ok(
      ['response.tts', 'response.data', 'response.end'].includes(String(event.type)),
      `known type ${event.type}`,
    )
    if (event.type === 'response.tts')
      assert.ok(typeof event.content === 'string' && event.content.length > 0)
  }
}
