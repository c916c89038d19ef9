/** The webhook under bad input, its body limit, and readiness while the agent drains. */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { SIGNATURE_HEADER, signPayload } from '@layercode-kit/protocol'
import {
  eventTypes,
  ids,
  spoken,
  startTestServer,
  TEST_SECRET,
  type TestServer,
} from '../testing/agent-server.ts'
import { rawPost } from '../testing/webhook-requests.ts'

describe('bad input', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer({ AGENT: 'echo', AGENT_BODY_LIMIT_BYTES: '4096' })
  })
  after(async () => {
    await server.stop()
  })
  const valid = () => JSON.stringify({ type: 'message', ...ids('bad'), turn_id: 't', text: 'hi' })

  it('answers 401 for a missing, malformed, stale or wrong signature, and a tampered body', async () => {
    const body = valid()
    const now = Math.floor(Date.now() / 1000)
    const cases: Array<[string, Record<string, string>, string, RegExp]> = [
      ['missing', {}, body, /missing/],
      ['malformed', { [SIGNATURE_HEADER]: 'sha256=abc' }, body, /malformed/],
      [
        'stale',
        { [SIGNATURE_HEADER]: signPayload(TEST_SECRET, body, now - 301) },
        body,
        /tolerance/,
      ],
      [
        'wrong secret',
        { [SIGNATURE_HEADER]: signPayload('another-secret', body) },
        body,
        /does not match/,
      ],
      [
        'tampered',
        { [SIGNATURE_HEADER]: signPayload(TEST_SECRET, body) },
        body.replace('hi', 'ho'),
        /does not match/,
      ],
    ]
    for (const [name, headers, sent, message] of cases) {
      const res = await rawPost(server.webhookUrl, sent, headers)
      assert.equal(res.status, 401, name)
      const error = JSON.parse(res.text).error
      assert.equal(error.code, 'invalid_signature', name)
      assert.match(error.message, message, name)
    }
  })

  it('answers 400 for invalid JSON, a schema error naming the field, and an unknown type', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['{"type": "message",', 'invalid_json', /not valid JSON/],
      [
        JSON.stringify({ type: 'message', ...ids(), text: 'no turn id' }),
        'invalid_event',
        /^turn_id: /,
      ],
      [
        JSON.stringify({ type: 'message', ...ids(), turn_id: 't', text: 42 }),
        'invalid_event',
        /^text: /,
      ],
      [
        JSON.stringify({ type: 'call.ringing', ...ids() }),
        'invalid_event',
        /unknown event type "call\.ringing"/,
      ],
      [JSON.stringify(['not', 'an', 'object']), 'invalid_event', /JSON object/],
      // A signed data event the echo agent would answer with c.json: stringify overflowed (500).
      [
        `{"type":"data",${JSON.stringify(ids()).slice(1, -1)},"turn_id":"t","data":{"x":${'['.repeat(1500)}${']'.repeat(1500)}}}`,
        'too_deep',
        /nests 1502 levels deep; at most 32/,
      ],
    ]
    for (const [body, code, message] of cases) {
      const res = await rawPost(server.webhookUrl, body, {
        [SIGNATURE_HEADER]: signPayload(TEST_SECRET, body),
      })
      assert.equal(res.status, 400, body)
      const error = JSON.parse(res.text).error
      assert.equal(error.code, code, body)
      assert.match(error.message, message, body)
    }
  })

  it('answers 413 for a body over the limit, before verifying or parsing it', async () => {
    const body = JSON.stringify({ type: 'message', ...ids(), turn_id: 't', text: 'x'.repeat(5000) })
    const res = await rawPost(server.webhookUrl, body, {
      [SIGNATURE_HEADER]: signPayload(TEST_SECRET, body),
    })
    assert.equal(res.status, 413)
    assert.equal(JSON.parse(res.text).error.code, 'body_too_large')
  })

  it('has health, readiness and a JSON 404', async () => {
    assert.deepEqual(await (await fetch(`${server.url}/health`)).json(), { status: 'ok' })
    const ready = await fetch(`${server.url}/ready`)
    assert.equal(ready.status, 200)
    assert.equal(((await ready.json()) as { agent: string }).agent, 'echo')
    const missing = await fetch(`${server.url}/nope`)
    assert.equal(missing.status, 404)
    assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'not_found')
  })

  it('still serves after all of that', async () => {
    const result = await server.send({ type: 'message', ...ids(), turn_id: 'ok', text: 'fine' })
    assert.equal(spoken(result), 'You said: fine')
  })
})

describe('default body limit', () => {
  it('is 1 MiB', async () => {
    const server = await startTestServer({ AGENT: 'echo' })
    try {
      const send = (size: number) => {
        const body = JSON.stringify({
          type: 'data',
          ...ids(),
          turn_id: 't',
          data: { pad: 'x'.repeat(size) },
        })
        return rawPost(server.webhookUrl, body, {
          [SIGNATURE_HEADER]: signPayload(TEST_SECRET, body),
        })
      }
      assert.equal((await send(1024 * 1024 - 200)).status, 200)
      assert.equal((await send(1024 * 1024)).status, 413)
    } finally {
      await server.stop()
    }
  })
})

describe('readiness while draining', () => {
  it('lets an open turn finish before closing', async () => {
    const server = await startTestServer({ AGENT: 'slow', SLOW_AGENT_DELAY_MS: '150' })
    const turn = server.send({ type: 'message', ...ids('drain'), turn_id: 'd', text: 'finish me' })
    await new Promise((r) => setTimeout(r, 30))
    const closing = server.stop()
    await new Promise((r) => setTimeout(r, 20))
    // The listener is still open while the turn drains: probes see 503, not a refused connection.
    const ready = await fetch(`${server.url}/ready`)
    assert.equal(ready.status, 503)
    assert.deepEqual(await ready.json(), { status: 'draining' })
    const late = await server.send({ type: 'message', ...ids('late'), turn_id: 'l', text: 'hi' })
    assert.equal(late.status, 503)
    assert.equal((late.json as { error: { code: string } }).error.code, 'draining')
    const result = await turn
    assert.equal(
      eventTypes(result).at(-1),
      'response.end',
      'the open turn completed during shutdown',
    )
    assert.equal(server.lifecycle.draining, true)
    await closing
    await assert.rejects(fetch(`${server.url}/ready`), 'closed once the turn finished')
  })
})
