/** Spend for the wrapped toolkit: counted tokens and speech at the shipped prices. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { sessionSpeech } from '@layercode-kit/loadgen'
import { COST_BUCKETS_USD, loadPriceTable, speechCost, tokenCost } from '@layercode-kit/telemetry'
import { between, one, quantileRange } from '../../lib/ranges.ts'
import {
  MODEL,
  missing,
  perMinute,
  SCRIPT,
  spans,
  tAgent,
  traffic,
  type Usage,
  usageOf,
  WARM_CONVERSATIONS,
  WRAPPED,
  wrapped,
} from './scenario.ts'

describe('spend for the Python toolkit', { skip: missing }, () => {
  it("spend with the wrapper: the model's counted tokens and the sessions' speech at the shipped prices", async () => {
    const { expectPanel } = wrapped
    const prices = loadPriceTable({})
    const usd = (charges: Array<{ item: string; usd: number }> | undefined, item?: string) =>
      (charges ?? []).filter((c) => !item || c.item === item).reduce((t, c) => t + c.usd, 0)
    // Counted by the model endpoint itself (no prompt cache in the fake).
    const { before, after } = usageOf[WRAPPED] as { before: Usage; after: Usage }
    const tokensCost = (u: Usage) => tokenCost(prices, MODEL, { input: u.input, output: u.output })
    const trafficTokens = tokenCost(prices, MODEL, {
      input: after.input - before.input,
      output: after.output - before.output,
    })
    const speechEach = speechCost(prices, sessionSpeech(SCRIPT.length))
    const n = traffic.length
    const hour = usd(tokensCost(after)) + (WARM_CONVERSATIONS + n) * usd(speechEach)
    const trafficUsd = usd(trafficTokens) + n * usd(speechEach)
    await expectPanel(
      'Spend in the last hour',
      0,
      tAgent,
      one(between(trafficUsd * 0.999, hour * 1.1, `$${trafficUsd} of traffic, $${hour} in all`)),
    )
    await expectPanel('Top models by spend', 0, tAgent, [
      {
        labels: { gen_ai_request_model: MODEL },
        range: between(usd(trafficTokens) * 0.999, usd(tokensCost(after)) * 1.1, 'model tokens'),
      },
    ])
    await expectPanel(
      'Spend per hour by item',
      0,
      tAgent,
      ['input', 'output', 'transcription', 'tts'].map((item) => {
        const dollars = usd(trafficTokens, item) + n * usd(speechEach, item)
        const r = perMinute(dollars, `${item} dollars`)
        return {
          labels: { layercode_cost_item: item },
          range: between(r.lo * 60, r.hi * 60, r.why),
        }
      }),
    )
    // Per call: each session's chat spans (by the session id on its webhook spans) priced,
    // and its speech.
    const sessionOf = new Map(
      spans
        .filter((x) => x.name === 'POST /api/agent' && x.attrs['layercode.session.id'])
        .map((x) => [x.traceId, String(x.attrs['layercode.session.id'])]),
    )
    const perSession = new Map([...new Set(sessionOf.values())].map((id) => [id, 0]))
    const chats = spans.filter((x) => x.attrs['gen_ai.operation.name'] === 'chat')
    for (const chat of chats) {
      const session = sessionOf.get(chat.traceId) ?? ''
      const charges = tokenCost(prices, MODEL, {
        input: Number(chat.attrs['gen_ai.usage.input_tokens'] ?? 0),
        output: Number(chat.attrs['gen_ai.usage.output_tokens'] ?? 0),
      })
      perSession.set(session, (perSession.get(session) ?? 0) + usd(charges))
    }
    const calls = [...perSession.values()].map((x) => x + usd(speechEach))
    assert.equal(calls.length, n, 'every call of the traffic')
    assert.ok(
      Math.abs(calls.reduce((t, c) => t + c, 0) - trafficUsd) < 1e-9,
      "the chat spans' tokens are what the model counted",
    )
    const bakery = { gen_ai_agent_name: 'bakery' }
    const mean = trafficUsd / n
    await expectPanel('Spend per call', 0, tAgent, [
      { labels: bakery, range: between(mean * 0.999, mean * 1.001, `$${mean} a call`) },
    ])
    await expectPanel('Spend per call', 1, tAgent, [
      { labels: bakery, range: quantileRange(calls, 0.95, 'calls', COST_BUCKETS_USD) },
    ])
  })
})
