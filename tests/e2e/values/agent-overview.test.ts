/** Agent overview: turns, outcomes, requests, tokens and latency percentiles, by value. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { between, bucket, exactly, one, quantileRange, SCRIPTED_LATENCY } from '../../lib/ranges.ts'
import {
  allTurns,
  clientRange,
  expectPanel,
  failedShare,
  isTurnSpan,
  MESSAGES,
  missing,
  perMinute,
  type Span,
  spans,
  tAgent,
  traffic,
} from './scenario.ts'

describe('agent overview under scripted traffic', { skip: missing }, () => {
  it('agent overview: turns, outcomes, requests and tokens', async () => {
    const t = traffic.turns
    const all = allTurns(t)
    const errorShare = t.injectedErrors / all
    // Ratios of series exported together: both sides scale alike, so within a few percent.
    const ratio = (r: number, why: string) => between(r * 0.9, r * 1.1, `${why}: ${r}`)
    const share = ratio(failedShare(), 'error share, warm-up included')
    await expectPanel(
      'Turn success rate',
      0,
      tAgent,
      one(between(1 - share.hi, 1 - share.lo, `1 - ${share.why}`)),
    )
    await expectPanel('Turn error rate', 0, tAgent, one(ratio(errorShare, 'error share')))
    await expectPanel('Error rate', 1, tAgent, one(ratio(errorShare, 'error share')))
    await expectPanel('Error rate', 0, tAgent, one(exactly(0, 'failed turns answer 200')))
    await expectPanel('Turns by outcome', 0, tAgent, [
      { labels: { layercode_outcome: 'ok' }, range: perMinute(t.ok, 'ok turns') },
      { labels: { layercode_outcome: 'error' }, range: perMinute(t.injectedErrors, 'errors') },
      { labels: { layercode_outcome: 'aborted' }, range: perMinute(t.hungUp, 'hung up') },
    ])
    await expectPanel(
      'Failing turns per minute',
      0,
      tAgent,
      one(perMinute(t.injectedErrors, 'errors')),
    )
    // A start, the messages, a data event and session.end per conversation; probes not counted.
    const webhooks = traffic.conversations.completed * (MESSAGES + 3)
    await expectPanel('Requests per minute', 0, tAgent, [
      { labels: { http_route: '/api/agent' }, range: perMinute(webhooks, 'webhooks') },
    ])
    await expectPanel('Active sessions', 0, tAgent, [
      { labels: { gen_ai_agent_name: 'bakery' }, range: exactly(0, 'every session ended') },
    ])
    // LayerCode's figures as the load generator reported them in session.end.
    const sessions = traffic.sessions
    assert.equal(sessions.ended, traffic.conversations.completed, 'every session.end answered')
    const bakery = { gen_ai_agent_name: 'bakery' }
    await expectPanel('Speech per minute (LayerCode)', 0, tAgent, [
      { labels: bakery, range: perMinute(sessions.transcriptionS, 'transcribed seconds') },
    ])
    await expectPanel('Speech per minute (LayerCode)', 1, tAgent, [
      { labels: bakery, range: perMinute(sessions.ttsS, 'synthesized seconds') },
    ])
    // Means are ratios of two increases over the same samples: exact, whatever the window.
    const meanS = sessions.durationsS.reduce((s, d) => s + d, 0) / sessions.ended
    await expectPanel('Sessions: mean length and turns', 0, tAgent, [
      { labels: bakery, range: between(meanS * 0.999, meanS * 1.001, 'reported durations') },
    ])
    await expectPanel("LayerCode's reported latency", 0, tAgent, [
      { labels: bakery, range: SCRIPTED_LATENCY },
    ])
    await expectPanel('Sessions: mean length and turns', 1, tAgent, [
      {
        labels: bakery,
        range: between(MESSAGES + 0.999, MESSAGES + 1.001, 'session.start and the messages'),
      },
    ])
    const tools = new Map<string, number>()
    for (const s of spans.filter((x) => x.name.startsWith('execute_tool '))) {
      const key = `${s.attrs['gen_ai.tool.name']}|${s.attrs.status === 2 ? 'error' : 'ok'}`
      tools.set(key, (tools.get(key) ?? 0) + 1)
    }
    assert.ok(tools.size >= 3, 'the bakery used its tools')
    await expectPanel(
      'Tool calls per minute',
      0,
      tAgent,
      [...tools].map(([key, n]) => {
        const [tool = '', outcome = ''] = key.split('|')
        return {
          labels: { gen_ai_tool_name: tool, layercode_outcome: outcome },
          range: perMinute(n, `${tool} calls (execute_tool spans)`),
        }
      }),
    )
    const chats = spans.filter((s) => s.name.startsWith('chat '))
    const tokens = (type: string) =>
      chats.reduce((sum, s) => sum + Number(s.attrs[`gen_ai.usage.${type}_tokens`] ?? 0), 0)
    const model = String(chats[0]?.attrs['gen_ai.request.model'])
    await expectPanel(
      'Tokens per minute by model',
      0,
      tAgent,
      ['input', 'output'].map((type) => ({
        labels: { gen_ai_request_model: model, gen_ai_token_type: type },
        range: perMinute(tokens(type), `${type} tokens on the chat spans`),
      })),
    )
    // An hour holds the warm-up too; rate() cannot see the part in each series' first sample.
    const total = tokens('input') + tokens('output')
    await expectPanel(
      'Tokens in the last hour',
      0,
      tAgent,
      one(between(total, total * 1.8, 'tokens')),
    )
  })

  it('agent overview: latency percentiles match the traced durations', async () => {
    const durations = (pred: (s: Span) => boolean) => spans.filter(pred).map((s) => s.durationS)
    const http = durations((s) => s.name === 'POST /api/agent')
    for (const [index, q] of [0.5, 0.95, 0.99].entries())
      await expectPanel('HTTP latency', index, tAgent, one(quantileRange(http, q, 'server spans')))
    const turns = durations(isTurnSpan)
    await expectPanel('Turn duration p95 by agent', 0, tAgent, [
      { labels: { gen_ai_agent_name: 'bakery' }, range: quantileRange(turns, 0.95, 'turn spans') },
    ])
    const toolNames = [
      ...new Set(spans.filter((s) => s.name.startsWith('execute_tool ')).map((s) => s.name)),
    ]
    assert.ok(toolNames.length >= 3, 'the bakery used its tools')
    await expectPanel(
      'Tool latency p95 by tool',
      0,
      tAgent,
      toolNames.map((name) => ({
        labels: { gen_ai_tool_name: name.slice('execute_tool '.length) },
        range: quantileRange(
          durations((s) => s.name === name),
          0.95,
          `${name} spans`,
        ),
      })),
    )
    const chats = durations((s) => s.name.startsWith('chat '))
    await expectPanel('Model call latency p95', 0, tAgent, [
      {
        labels: { gen_ai_request_model: 'offline-voice-1' },
        range: quantileRange(chats, 0.95, 'chat spans'),
      },
    ])
    // The caller hears the first words a little after the agent says them: the client's
    // percentile, or the bucket below it.
    for (const [index, key] of (['p50', 'p95'] as const).entries()) {
      const client = clientRange(traffic, key)
      await expectPanel('Time to first speech by agent', index, tAgent, [
        {
          labels: { gen_ai_agent_name: 'bakery' },
          range: between(
            bucket(client.lo * 0.8)[0],
            bucket(client.hi)[1],
            `client ${key} ${client.lo}..${client.hi} s`,
          ),
        },
      ])
    }
  })
})
