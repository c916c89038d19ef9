/** Agent overview for the wrapped toolkit: turns, outcomes, requests, tools, tokens and latency, by value. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { between, exactly, one, quantileRange, SCRIPTED_LATENCY } from '../../lib/ranges.ts'
import {
  CONVERSATIONS,
  clientFirstSpeech,
  MODEL,
  missing,
  perMinute,
  type Span,
  spans,
  TURNS_PER_CONVERSATION,
  tAgent,
  traffic,
  turnDurations,
  type Usage,
  usageOf,
  WEBHOOKS_PER_CONVERSATION,
  WRAPPED,
  wrapped,
} from './scenario.ts'

describe('agent overview for the Python toolkit', { skip: missing }, () => {
  it('agent overview with the wrapper: turns, outcomes, requests, tools and tokens by value', async () => {
    const { expectPanel } = wrapped
    const n = CONVERSATIONS
    const share = 1 / TURNS_PER_CONVERSATION
    const ratio = (r: number, why: string) => between(r * 0.9, r * 1.1, `${why}: ${r}`)
    await expectPanel('Turn success rate', 0, tAgent, one(ratio(1 - share, 'ok turns')))
    await expectPanel('Turn error rate', 0, tAgent, one(ratio(share, 'one failed turn each')))
    await expectPanel('Error rate', 1, tAgent, one(ratio(share, 'one failed turn each')))
    await expectPanel('Error rate', 0, tAgent, one(exactly(0, 'failed turns answer 200')))
    await expectPanel('Turns by outcome', 0, tAgent, [
      {
        labels: { layercode_outcome: 'ok' },
        range: perMinute((TURNS_PER_CONVERSATION - 1) * n, 'ok turns'),
      },
      { labels: { layercode_outcome: 'error' }, range: perMinute(n, 'failed turns') },
    ])
    await expectPanel('Failing turns per minute', 0, tAgent, one(perMinute(n, 'failed turns')))
    await expectPanel('Requests per minute', 0, tAgent, [
      {
        labels: { http_route: '/api/agent' },
        range: perMinute(n * WEBHOOKS_PER_CONVERSATION, 'webhooks'),
      },
      { labels: { http_route: '/health' }, range: exactly(0, 'probed before the warm-up only') },
    ])
    await expectPanel('Active sessions', 0, tAgent, [
      { labels: { gen_ai_agent_name: 'bakery' }, range: exactly(0, 'every session ended') },
    ])
    // What the driver reported in session.end, as LayerCode would: known to the second.
    const ended = traffic.flatMap((c) => (c.session ? [c.session] : []))
    assert.equal(ended.length, n, 'every session.end answered')
    const bakery = { gen_ai_agent_name: 'bakery' }
    const sumOf = (key: 'transcriptionS' | 'ttsS') => ended.reduce((s, e) => s + e[key], 0)
    await expectPanel('Speech per minute (LayerCode)', 0, tAgent, [
      { labels: bakery, range: perMinute(sumOf('transcriptionS'), 'transcribed seconds') },
    ])
    await expectPanel('Speech per minute (LayerCode)', 1, tAgent, [
      { labels: bakery, range: perMinute(sumOf('ttsS'), 'synthesized seconds') },
    ])
    const meanS = ended.reduce((s, e) => s + e.durationMs / 1000, 0) / n
    await expectPanel('Sessions: mean length and turns', 0, tAgent, [
      { labels: bakery, range: between(meanS * 0.999, meanS * 1.001, 'reported durations') },
    ])
    await expectPanel("LayerCode's reported latency", 0, tAgent, [
      { labels: bakery, range: SCRIPTED_LATENCY },
    ])
    await expectPanel('Sessions: mean length and turns', 1, tAgent, [
      {
        labels: bakery,
        range: between(
          TURNS_PER_CONVERSATION * 0.999,
          TURNS_PER_CONVERSATION * 1.001,
          'turns each',
        ),
      },
    ])
    const tools = spans.filter((s) => s.name === 'execute_tool list_menu')
    assert.equal(tools.length, n, 'one list_menu call per conversation')
    await expectPanel('Tool calls per minute', 0, tAgent, [
      {
        labels: { gen_ai_tool_name: 'list_menu', layercode_outcome: 'ok' },
        range: perMinute(tools.length, 'execute_tool spans'),
      },
    ])
    // Counted by the model endpoint itself, independently of any telemetry.
    await expectPanel(
      'Tokens per minute by model',
      0,
      tAgent,
      (['input', 'output'] as const).map((type) => ({
        labels: { gen_ai_request_model: MODEL, gen_ai_token_type: type },
        range: perMinute(
          (usageOf[WRAPPED]?.after[type] ?? 0) - (usageOf[WRAPPED]?.before[type] ?? 0),
          `${type} tokens the model counted`,
        ),
      })),
    )
    const tokens = (u: Usage) => u.input + u.output
    const { warm, before, after } = usageOf[WRAPPED] as { warm: Usage; before: Usage; after: Usage }
    const trafficTokens = tokens(after) - tokens(before)
    await expectPanel(
      'Tokens in the last hour',
      0,
      tAgent,
      one(between(trafficTokens, (trafficTokens + tokens(warm)) * 1.1, 'tokens counted')),
    )
  })

  it('agent overview with the wrapper: latency percentiles match the traced durations', async () => {
    const { expectPanel } = wrapped
    const durations = (pred: (s: Span) => boolean) => spans.filter(pred).map((s) => s.durationS)
    const server = durations((s) => s.name === 'POST /api/agent')
    assert.equal(server.length, CONVERSATIONS * WEBHOOKS_PER_CONVERSATION)
    for (const [index, q] of [0.5, 0.95, 0.99].entries())
      await expectPanel(
        'HTTP latency',
        index,
        tAgent,
        one(quantileRange(server, q, 'server spans')),
      )
    await expectPanel('Turn duration p95 by agent', 0, tAgent, [
      {
        labels: { gen_ai_agent_name: 'bakery' },
        range: quantileRange(turnDurations(), 0.95, 'turn spans'),
      },
    ])
    const chats = durations((s) => s.attrs['gen_ai.operation.name'] === 'chat')
    await expectPanel('Model call latency p95', 0, tAgent, [
      { labels: { gen_ai_request_model: MODEL }, range: quantileRange(chats, 0.95, 'chat spans') },
    ])
    const tools = durations((s) => s.name === 'execute_tool list_menu')
    assert.equal(tools.length, CONVERSATIONS, 'one list_menu call per conversation')
    await expectPanel('Tool latency p95 by tool', 0, tAgent, [
      {
        labels: { gen_ai_tool_name: 'list_menu' },
        range: quantileRange(tools, 0.95, 'tool spans'),
      },
    ])
    for (const [index, q] of [0.5, 0.95].entries())
      await expectPanel('Time to first speech by agent', index, tAgent, [
        { labels: { gen_ai_agent_name: 'bakery' }, range: clientFirstSpeech(q) },
      ])
  })
})
