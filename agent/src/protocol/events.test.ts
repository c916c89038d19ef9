import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { customMetadata, MAX_ID_LENGTH, parseWebhookEvent } from './events.ts'

const ids = { session_id: 's1', conversation_id: 'c1' }

describe('parseWebhookEvent', () => {
  it('accepts the protocol examples', () => {
    const message = parseWebhookEvent({
      type: 'message',
      session_id: 'sess_abc123',
      conversation_id: 'conv_xyz789',
      turn_id: 'turn_xyz123',
      text: 'Hello, how are you?',
    })
    assert.equal(message.ok, true)
    const end = parseWebhookEvent({
      type: 'session.end',
      session_id: 's',
      conversation_id: 'c',
      agent_id: 'agent_abc',
      duration: 216351,
      transcript: [
        { role: 'assistant', text: 'Welcome!', timestamp: 1764715092729 },
        { role: 'user', text: 'Hi', timestamp: '2026-11-26T10:00:00Z' },
      ],
    })
    assert.equal(end.ok, true)
  })

  it('names the missing field', () => {
    const result = parseWebhookEvent({ type: 'message', ...ids, text: 'hi' })
    assert.equal(result.ok, false)
    assert.match(!result.ok ? result.message : '', /^turn_id: /)
  })

  it('names a wrongly typed field', () => {
    const result = parseWebhookEvent({ type: 'data', ...ids, turn_id: 't', data: 'nope' })
    assert.match(!result.ok ? result.message : '', /^data: /)
  })

  it('rejects an unknown type and lists the known ones', () => {
    const result = parseWebhookEvent({ type: 'session.pause', ...ids })
    assert.equal(result.ok, false)
    assert.match(!result.ok ? result.message : '', /unknown event type "session\.pause".*message/)
  })

  it('rejects non-objects and a missing type', () => {
    for (const value of [null, [], 'x', 3, {}]) assert.equal(parseWebhookEvent(value).ok, false)
  })

  it('reads custom_metadata under either name', () => {
    const a = parseWebhookEvent({ type: 'session.update', ...ids, custom_metadata: { a: 1 } })
    const b = parseWebhookEvent({ type: 'session.update', ...ids, metadata: { b: 2 } })
    assert.ok(a.ok && b.ok)
    if (a.ok && b.ok) {
      assert.deepEqual(customMetadata(a.event), { a: 1 })
      assert.deepEqual(customMetadata(b.event), { b: 2 })
    }
  })

  it('refuses ids longer than MAX_ID_LENGTH, so no map is keyed by a 200 KB id', () => {
    const long = 'x'.repeat(MAX_ID_LENGTH + 1)
    for (const field of ['session_id', 'conversation_id', 'turn_id']) {
      const result = parseWebhookEvent({ type: 'message', ...ids, turn_id: 't', [field]: long })
      assert.match(!result.ok ? result.message : '', new RegExp(`^${field}: `))
    }
    const ok = parseWebhookEvent({
      type: 'session.end',
      ...ids,
      session_id: 'x'.repeat(MAX_ID_LENGTH),
    })
    assert.equal(ok.ok, true)
  })
})
