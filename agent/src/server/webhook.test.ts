import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { FAULT_METADATA_KEY, loadPriceTable } from '@layercode-kit/telemetry'
import { AGENT_NAMES } from '../agents/registry.ts'
import { SIGNATURE_HEADER, signPayload } from '../protocol/signature.ts'
import {
  eventTypes,
  ids,
  spoken,
  startTestServer,
  TEST_SECRET,
  type TestServer,
} from '../testing/agent-server.ts'
import { FALLBACK_SPEECH, NOTHING_HEARD_SPEECH } from '../turn/run-turn.ts'

const SSE_BODY = /^(data: \{[^\n]*\}\n\n)+$/

/** A signed webhook whose answer the test reads as it streams (the SSE body unread). */
function streamSigned(url: string, event: Record<string, unknown>, signal?: AbortSignal) {
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

async function rawPost(url: string, body: string, headers: Record<string, string>) {
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

function assertTurnStream(events: Array<Record<string, unknown>>, turnId: string) {
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

for (const agent of AGENT_NAMES) {
  describe(`SSE framing and order: ${agent} agent`, () => {
    let server: TestServer
    before(async () => {
      server = await startTestServer({ AGENT: agent })
    })
    after(async () => {
      assert.equal(server.lifecycle.inFlight, 0, 'no stream left open')
      await server.stop()
    })

    for (const type of ['session.start', 'message'] as const) {
      it(`answers ${type} with data-only SSE events ending in response.end`, async () => {
        const body = JSON.stringify({
          type,
          ...ids(agent),
          turn_id: `turn_${type}`,
          text: "What's on the menu?",
        })
        const res = await rawPost(server.webhookUrl, body, {
          [SIGNATURE_HEADER]: signPayload(TEST_SECRET, body),
        })
        assert.equal(res.status, 200)
        assert.match(res.contentType ?? '', /^text\/event-stream/)
        assert.equal(res.headers.get('cache-control'), 'no-cache, no-transform')
        assert.equal(res.headers.get('x-accel-buffering'), 'no')
        assert.match(res.text, SSE_BODY, 'only `data: <json>` events, no event: lines')
        const events = res.text
          .trim()
          .split('\n\n')
          .map((block) => JSON.parse(block.slice('data: '.length)))
        assertTurnStream(events, `turn_${type}`)
        assert.ok(
          events.some((e) => e.type === 'response.tts'),
          'something is spoken',
        )
      })
    }

    it('answers data with JSON, session.update and session.end with {"status":"ok"}', async () => {
      const conversation = ids(agent)
      const data = await server.send({
        type: 'data',
        ...conversation,
        turn_id: 'd1',
        data: { clicked: 'menu' },
      })
      assert.equal(data.status, 200)
      assert.match(data.contentType, /application\/json/)
      assert.equal(typeof data.json, 'object')
      const update = await server.send({
        type: 'session.update',
        ...conversation,
        recording_status: 'completed',
        recording_url: 'https://example.invalid/r.wav',
        recording_duration: 12.5,
      })
      assert.deepEqual([update.status, update.json], [200, { status: 'ok' }])
      const end = await server.send({
        type: 'session.end',
        ...conversation,
        duration: 216351,
        transcript: [{ role: 'assistant', text: 'Welcome!', timestamp: 1764715092729 }],
      })
      assert.deepEqual([end.status, end.json], [200, { status: 'ok' }])
    })
  })
}

describe('agent behaviour over HTTP', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer({ AGENT: 'bakery' })
  })
  after(async () => {
    await server.stop()
  })

  it('sends every bakery tool result as response.data before speaking it', async () => {
    const conversation = ids('bakery')
    for (const [text, tool] of [
      ["What's on the menu today?", 'list_menu'],
      ["I'd like to order two croissants please", 'make_order'],
      ['Can I book a table for four at 7pm?', 'book_table'],
    ] as const) {
      const result = await server.send({ type: 'message', ...conversation, turn_id: tool, text })
      assertTurnStream(
        result.events.map((e) => e.event),
        tool,
      )
      const data = result.events.find((e) => e.event.type === 'response.data')?.event
        .content as Record<string, unknown>
      assert.equal(data?.tool, tool)
      assert.ok(data && 'args' in data && 'result' in data)
      const types = eventTypes(result)
      assert.ok(types.indexOf('response.data') < types.indexOf('response.tts'))
    }
  })

  it('remembers the first turn when answering the second (history after the stream completes)', async () => {
    const conversation = ids('history')
    await server.send({ type: 'session.start', ...conversation, turn_id: 'h0' })
    await server.send({
      type: 'message',
      ...conversation,
      turn_id: 'h1',
      text: 'My name is Ada Lovelace',
    })
    const second = await server.send({
      type: 'message',
      ...conversation,
      turn_id: 'h2',
      text: 'Do you remember me?',
    })
    assert.match(spoken(second), /Earlier you said "My name is Ada Lovelace"/)
  })

  it('serializes turns of one conversation: a turn sent while the previous streams sees it', async () => {
    const conversation = ids('serial')
    const first = server.send({
      type: 'message',
      ...conversation,
      turn_id: 's1',
      text: 'first words',
      custom_metadata: { [FAULT_METADATA_KEY]: 'slow' },
    })
    await new Promise((resolve) => setTimeout(resolve, 5))
    const second = await server.send({
      type: 'message',
      ...conversation,
      turn_id: 's2',
      text: 'second words',
    })
    assert.match(spoken(second), /Earlier you said "first words"/)
    assert.equal((await first).status, 200)
  })

  it('forgets a conversation at session.end', async () => {
    const conversation = ids('forget')
    await server.send({ type: 'message', ...conversation, turn_id: 'f1', text: 'remember this' })
    await server.send({ type: 'session.end', ...conversation })
    const after = await server.send({
      type: 'message',
      ...conversation,
      turn_id: 'f2',
      text: 'and now?',
    })
    assert.doesNotMatch(spoken(after), /Earlier you said/)
  })

  it('answers a message with empty, blank, null or missing text with a re-prompt, not a 400', async () => {
    for (const text of [{ text: '' }, { text: '   ' }, { text: null }, {}]) {
      const result = await server.send({ type: 'message', ...ids('quiet'), turn_id: 'q1', ...text })
      assert.equal(result.status, 200, JSON.stringify(text))
      assert.deepEqual(eventTypes(result), ['response.tts', 'response.end'], JSON.stringify(text))
      assert.equal(spoken(result), NOTHING_HEARD_SPEECH)
    }
  })

  it('ends a failing turn cleanly: error data, a spoken apology, response.end, and the server lives on', async () => {
    const conversation = ids('fail')
    const failed = await server.send({
      type: 'message',
      ...conversation,
      turn_id: 'x1',
      text: 'boom',
      custom_metadata: { [FAULT_METADATA_KEY]: 'error' },
    })
    assert.equal(failed.status, 200)
    assert.deepEqual(eventTypes(failed), ['response.data', 'response.tts', 'response.end'])
    assert.deepEqual(failed.events[0]?.event.content, {
      error: { code: 'injected_fault', message: 'The agent failed to answer this turn.' },
    })
    assert.equal(spoken(failed), FALLBACK_SPEECH)
    const next = await server.send({
      type: 'message',
      ...conversation,
      turn_id: 'x2',
      text: 'still there?',
    })
    assert.equal(next.status, 200)
    assert.doesNotMatch(spoken(next), /Earlier you said "boom"/, 'a failed turn is not remembered')
    const log = server.logs().find((l) => l.message === 'turn failed')
    assert.equal(log?.turn_id, 'x1')
    assert.equal(log?.conversation_id, conversation.conversation_id)
  })

  it('survives a caller hanging up mid-stream and releases the stream', async () => {
    const slow = await startTestServer({ AGENT: 'slow', SLOW_AGENT_DELAY_MS: '300' })
    try {
      const abort = new AbortController()
      const response = await streamSigned(
        slow.webhookUrl,
        { type: 'message', ...ids('hangup'), turn_id: 'a1', text: 'take your time' },
        abort.signal,
      )
      const reader = response.body?.getReader()
      await reader?.read()
      abort.abort()
      const deadline = Date.now() + 2000
      while (slow.lifecycle.inFlight > 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20))
      assert.equal(slow.lifecycle.inFlight, 0)
      const health = await fetch(`${slow.url}/health`)
      assert.equal(health.status, 200)
      await new Promise((r) => setTimeout(r, 50))
      const done = slow.logs().find((l) => l.message === 'turn completed' && l.turn_id === 'a1')
      assert.equal(done?.outcome, 'aborted')
    } finally {
      await slow.stop()
    }
  })

  it("counts a turn's wait for its conversation's previous turn in its first speech and duration", async () => {
    const delayMs = 300
    const slow = await startTestServer({ AGENT: 'slow', SLOW_AGENT_DELAY_MS: String(delayMs) })
    try {
      const conversation = ids('queued')
      const first = await streamSigned(slow.webhookUrl, {
        type: 'message',
        ...conversation,
        turn_id: 'q1',
        text: 'a',
      })
      // The first turn has spoken and holds the conversation: two pauses of delayMs remain.
      const reader = first.body?.getReader()
      await reader?.read()
      const second = await slow.send({ type: 'message', ...conversation, turn_id: 'q2', text: 'b' })
      assert.equal(second.status, 200)
      while (!(await reader?.read())?.done) {}
      const done = slow.logs().find((l) => l.message === 'turn completed' && l.turn_id === 'q2')
      // Causal lower bounds (the first turn's sleeps), not timings: it could not speak earlier.
      assert.ok(
        Number(done?.first_speech_ms) >= delayMs,
        `first speech ${done?.first_speech_ms} ms`,
      )
      assert.ok(Number(done?.duration_ms) >= delayMs, `duration ${done?.duration_ms} ms`)
      // ...and the wait shows as the queue part of it.
      assert.ok(
        Number(done?.first_speech_queue_ms) >= delayMs,
        `queue ${done?.first_speech_queue_ms} ms`,
      )
    } finally {
      await slow.stop()
    }
  })

  it("splits each real turn's first speech into queue, model, tools and sentence parts that add up to it", async () => {
    const toolDelayMs = 150
    const bakery = await startTestServer({
      AGENT: 'bakery',
      OFFLINE_MODEL_DELAY_MS: '15',
      SLOW_AGENT_DELAY_MS: String(toolDelayMs),
    })
    try {
      const conversation = ids('budget')
      const said: Array<[string, string | undefined]> = [
        ["What's on the menu today?", 'slow_tool'],
        ["What's on the menu today?", undefined],
        ["I'd like to order two croissants please.", undefined],
        ['Hello, are you open on Sunday?', undefined],
      ]
      for (const [i, [text, fault]] of said.entries()) {
        const result = await bakery.send({
          type: 'message',
          ...conversation,
          turn_id: `b${i}`,
          text,
          ...(fault ? { custom_metadata: { [FAULT_METADATA_KEY]: fault } } : {}),
        })
        assert.equal(result.status, 200)
      }
      const turns = said.map((_, i) =>
        bakery.logs().find((l) => l.message === 'turn completed' && l.turn_id === `b${i}`),
      )
      const part = (t: (typeof turns)[number], name: string) =>
        Number(t?.[`first_speech_${name}_ms`])
      const gaps = turns.map((t) => {
        const sum = ['queue', 'model', 'tools', 'sentence'].reduce((n, p) => n + part(t, p), 0)
        return Number(t?.first_speech_ms) - sum
      })
      // The agent's own work (history, prompts) is all that is left: a few ms at most. The
      // bound leaves room for a pause of the event loop (other test files run alongside).
      for (const [i, gap] of gaps.entries())
        assert.ok(gap >= -2 && gap <= 25, `turn b${i}: ${JSON.stringify(turns[i])}`)
      assert.ok(gaps.reduce((n, g) => n + g, 0) / gaps.length <= 8, `gaps ${gaps}`)
      // The slow tool is in the tools part, not elsewhere; the offline model streams text
      // word by word (15 ms apart), so the sentence part is a few words' worth.
      assert.ok(part(turns[0], 'tools') >= toolDelayMs, `slow tool: ${JSON.stringify(turns[0])}`)
      assert.ok(part(turns[1], 'tools') < toolDelayMs, 'the same tool, not delayed')
      for (const t of turns) {
        assert.ok(part(t, 'model') >= 15, `a model call before speech: ${JSON.stringify(t)}`)
        assert.ok(
          part(t, 'sentence') >= 15,
          `words before the first sentence: ${JSON.stringify(t)}`,
        )
      }
      assert.ok(part(turns[3], 'tools') === 0, 'no tool for a greeting')
      // The session's end names its turns and what they (and 60 s of speech) cost.
      await bakery.send({
        type: 'session.end',
        ...conversation,
        transcription_duration_seconds: 30,
        tts_duration_seconds: 30,
      })
      const end = bakery.logs().find((l) => l.message === 'session ended')
      assert.equal(end?.turns, said.length)
      const prices = loadPriceTable({})
      const speech = prices.speech.transcription_per_minute / 2 + prices.speech.tts_per_minute / 2
      assert.ok(Number(end?.spend_usd) > speech, `model calls cost too: ${JSON.stringify(end)}`)
    } finally {
      await bakery.stop()
    }
  })

  it('streams the slow agent as progress 0/50/100 interleaved with speech', async () => {
    const slow = await startTestServer({ AGENT: 'slow', SLOW_AGENT_DELAY_MS: '30' })
    try {
      const result = await slow.send({
        type: 'message',
        ...ids('slow'),
        turn_id: 'p1',
        text: 'report',
      })
      const progress = result.events
        .filter((e) => e.event.type === 'response.data')
        .map((e) => e.event.content)
      assert.deepEqual(progress, [{ progress: 0 }, { progress: 50 }, { progress: 100 }])
      assert.deepEqual(eventTypes(result), [
        'response.data',
        'response.tts',
        'response.data',
        'response.tts',
        'response.data',
        'response.tts',
        'response.end',
      ])
      const times = result.events.map((e) => e.atMs)
      assert.ok(
        (times[2] ?? 0) - (times[1] ?? 0) >= 20,
        'the parts are paced by the configured delay',
      )
    } finally {
      await slow.stop()
    }
  })
})

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
