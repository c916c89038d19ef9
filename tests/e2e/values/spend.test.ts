/** Spend: known tokens and speech minutes give known dollars. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { LoadSummary } from '@layercode-kit/loadgen'
import {
  COST_BUCKETS_USD,
  CostItem,
  loadPriceTable,
  speechCost,
  tokenCost,
} from '@layercode-kit/telemetry'
import { between, one, quantileRange } from '../../lib/ranges.ts'
import {
  agentSpanS,
  expectPanel,
  isTurnSpan,
  missing,
  notCanary,
  perSecond,
  recordedSpans,
  type Span,
  spans,
  tAgent,
  traffic,
  warm,
} from './scenario.ts'

describe('spend under scripted traffic', { skip: missing }, () => {
  it('spend: known tokens and speech minutes give known dollars, per hour, per item, per model and per call', async () => {
    // The agent prices with the shipped table (the harness sets no LAYERCODE_PRICES_FILE).
    const prices = loadPriceTable({})
    const chatCost = (s: Span) => {
      const charges = tokenCost(prices, String(s.attrs['gen_ai.request.model']), {
        input: Number(s.attrs['gen_ai.usage.input_tokens'] ?? 0),
        output: Number(s.attrs['gen_ai.usage.output_tokens'] ?? 0),
      })
      assert.ok(charges, `${s.attrs['gen_ai.request.model']} has a price`)
      return charges
    }
    const sum = (charges: Array<{ item: string; usd: number }>, item?: string) =>
      charges.filter((c) => !item || c.item === item).reduce((t, c) => t + c.usd, 0)
    const speechOf = (x: LoadSummary['sessions']) =>
      speechCost(prices, { transcriptionS: x.transcriptionS, ttsS: x.ttsS })
    const chats = (all: Span[]) => all.filter((s) => s.name.startsWith('chat '))
    const trafficTokens = chats(spans).flatMap(chatCost)
    const trafficSpeech = speechOf(traffic.sessions)
    // The hour holds the warm-up too (Prometheus puts a zero at each series' start).
    const modelHour = sum(chats(notCanary(recordedSpans())).flatMap(chatCost))
    const hour = modelHour + sum(speechOf(warm.sessions)) + sum(trafficSpeech)
    await expectPanel(
      'Spend in the last hour',
      0,
      tAgent,
      one(between(hour * 0.999, hour * 1.1, `$${hour} of tokens and speech`)),
    )
    const model = String(chats(spans)[0]?.attrs['gen_ai.request.model'])
    await expectPanel('Top models by spend', 0, tAgent, [
      {
        labels: { gen_ai_request_model: model },
        range: between(modelHour * 0.999, modelHour * 1.1, `$${modelHour} of ${model} tokens`),
      },
    ])
    const perHour = (usd: number, why: string) => {
      const r = perSecond(usd, agentSpanS, why)
      return between(r.lo * 3600, r.hi * 3600, r.why)
    }
    await expectPanel(
      'Spend per hour by item',
      0,
      tAgent,
      [CostItem.Input, CostItem.Output, CostItem.Transcription, CostItem.Tts].map((item) => ({
        labels: { layercode_cost_item: item },
        range: perHour(sum([...trafficTokens, ...trafficSpeech], item), `${item} dollars`),
      })),
    )
    // Per call: each session's chat spans (by the session id on its traces' webhook span)
    // and its share of the speech (the load generator reports the same figures for each).
    const sessionOf = new Map(
      spans.filter(isTurnSpan).map((s) => [s.traceId, String(s.attrs['layercode.session.id'])]),
    )
    const perSession = new Map([...sessionOf.values()].map((id) => [id, 0]))
    for (const chat of chats(spans)) {
      const session = sessionOf.get(chat.traceId) ?? ''
      perSession.set(session, (perSession.get(session) ?? 0) + sum(chatCost(chat)))
    }
    const speechEach = sum(trafficSpeech) / traffic.sessions.ended
    const calls = [...perSession.values()].map((usd) => usd + speechEach)
    assert.equal(calls.length, traffic.sessions.ended, 'every call of the traffic')
    const mean = calls.reduce((t, c) => t + c, 0) / calls.length
    await expectPanel('Spend per call', 0, tAgent, [
      {
        labels: { gen_ai_agent_name: 'bakery' },
        range: between(mean * 0.999, mean * 1.001, `$${mean}, the mean of ${calls.length} calls`),
      },
    ])
    await expectPanel('Spend per call', 1, tAgent, [
      {
        labels: { gen_ai_agent_name: 'bakery' },
        range: quantileRange(calls, 0.95, 'calls', COST_BUCKETS_USD),
      },
    ])
  })
})
