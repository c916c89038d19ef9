import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { describe, it } from 'node:test'
import type { WebhookResult } from '@layercode-kit/protocol'
import { eventTypes, spoken, startTestServer } from '../testing/agent-server.ts'

const CONVERSATIONS = 200

describe('concurrency', () => {
  it(`completes ${CONVERSATIONS} concurrent conversations with no cross-talk`, async () => {
    // A little model pacing so streams really interleave.
    const server = await startTestServer({ AGENT: 'starter', OFFLINE_MODEL_DELAY_MS: '2' })
    try {
      const results = await Promise.all(
        Array.from({ length: CONVERSATIONS }, async (_, n) => {
          const token = `caller-${n}-${randomUUID().slice(0, 8)}`
          const base = { session_id: `sess_${token}`, conversation_id: `conv_${token}` }
          const start = await server.send({ type: 'session.start', ...base, turn_id: `${token}-0` })
          const first = await server.send({
            type: 'message',
            ...base,
            turn_id: `${token}-1`,
            text: `I am ${token}`,
          })
          const second = await server.send({
            type: 'message',
            ...base,
            turn_id: `${token}-2`,
            text: 'Who am I?',
          })
          return { token, turns: [start, first, second] }
        }),
      )
      const tokens = results.map((r) => r.token)
      for (const { token, turns } of results) {
        turns.forEach((turn, i) => {
          assert.equal(turn.status, 200)
          assert.equal(eventTypes(turn).at(-1), 'response.end', `${token} turn ${i} ends`)
          for (const { event } of turn.events) assert.equal(event.turn_id, `${token}-${i}`)
        })
        const [, first, second] = turns as [WebhookResult, WebhookResult, WebhookResult]
        assert.match(spoken(first), new RegExp(`You said "I am ${token}"`))
        assert.match(
          spoken(second),
          new RegExp(`Earlier you said "I am ${token}"`),
          'history is its own',
        )
        const foreign = tokens.filter(
          (t) => t !== token && (spoken(first) + spoken(second)).includes(`${t} `),
        )
        assert.deepEqual(foreign, [], `${token} heard nobody else`)
      }
      assert.equal(server.lifecycle.inFlight, 0)
    } finally {
      await server.stop()
    }
  })
})
