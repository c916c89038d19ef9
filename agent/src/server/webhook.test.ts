/** The webhook over HTTP, as LayerCode and callers use it: every agent's turns, sessions and answers. */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { SIGNATURE_HEADER, signPayload } from '@layercode-kit/protocol'
import { FAULT_METADATA_KEY, loadPriceTable } from '@layercode-kit/telemetry'
import { AGENT_NAMES } from '../agents/registry.ts'
import {
  eventTypes,
  ids,
  spoken,
  startTestServer,
  TEST_SECRET,
  type TestServer,
} from '../testing/agent-server.ts'
import { assertTurnStream, rawPost, SSE_BODY, streamSigned } from '../testing/webhook-requests.ts'
import { FALLBACK_SPEECH, NOTHING_HEARD_SPEECH } from '../turn/run-turn.ts'

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
