/** Turn latency budget: the parts of first speech as each turn logged them. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { FIRST_SPEECH_PARTS } from '@layercode-kit/telemetry'
import { attributesOf } from '@layercode-kit/test-support'
import { between, quantileRange } from '../../lib/ranges.ts'
import {
  expectPanel,
  harness,
  isRealLog,
  logsBefore,
  missing,
  spans,
  tAgent,
  traffic,
} from './scenario.ts'

describe('turn latency budget under scripted traffic', { skip: missing }, () => {
  it('turn latency budget: the parts of first speech as each turn logged them, the tools part as its tool spans lasted', async () => {
    assert.ok(traffic.turns.injectedSlowTool > 0, 'slow tools in the traffic')
    // Each message turn's "turn completed" record of the traffic, as the Loki stand-in got it.
    const logged = harness
      .recorded('loki', 'logs')
      .slice(logsBefore)
      .filter(isRealLog)
      .filter((l) => (l.body as { stringValue?: string })?.stringValue === 'turn completed')
      .map((l) => attributesOf(l))
      .filter((a) => a.event_type === 'message' && a.first_speech_queue_ms !== undefined)
    assert.ok(logged.length > 20, `${logged.length} message turns spoke`)
    const msOf = (key: string) => logged.map((a) => Number(a[key]) / 1000)
    const meanOf = (xs: number[]) => xs.reduce((t, x) => t + x, 0) / xs.length
    // The logs round to whole ms; the metric keeps the exact seconds.
    const near = (x: number, why: string) => between(x - 0.0006, x * 1.001 + 0.0006, why)
    const bakery = { gen_ai_agent_name: 'bakery' }
    let partsSum = 0
    for (const [index, [part]] of FIRST_SPEECH_PARTS.entries()) {
      const values = msOf(`first_speech_${part}_ms`)
      const mean = meanOf(values)
      partsSum += mean
      await expectPanel('Where the wait for first speech goes', index, tAgent, [
        { labels: bakery, range: near(mean, `mean ${part} of ${values.length} turns`) },
      ])
      for (const [q, title] of [
        [0.5, 'First speech parts p50 by agent'],
        [0.95, 'First speech parts p95 by agent'],
      ] as const)
        await expectPanel(title, index, tAgent, [
          { labels: bakery, range: quantileRange(values, q, `${part} in the logs`) },
        ])
    }
    const firstSpeech = meanOf(msOf('first_speech_ms'))
    await expectPanel('Time to first speech: mean', 0, tAgent, [
      { labels: bakery, range: near(firstSpeech, 'mean first speech in the logs') },
    ])
    const own = firstSpeech - partsSum
    await expectPanel('Where the wait for first speech goes', FIRST_SPEECH_PARTS.length, tAgent, [
      { labels: bakery, range: between(own - 0.003, own + 0.003, `the rest: ${own} s`) },
    ])
    // Independent of the clock that split the wait: the tool spans. Every bakery tool runs
    // before its turn speaks (the model calls the tool, then answers), so the tools part
    // sums to the traffic's tool spans.
    const toolSeconds = spans
      .filter((s) => s.name.startsWith('execute_tool '))
      .reduce((t, s) => t + s.durationS, 0)
    const toolsMean = toolSeconds / logged.length
    assert.ok(toolsMean > 0.1, `slow tools show: ${toolsMean} s per turn`)
    await expectPanel('Where the wait for first speech goes', 2, tAgent, [
      { labels: bakery, range: between(toolsMean * 0.97, toolsMean * 1.03, 'tool spans') },
    ])
    // Each model call's first chunk comes before its end: within the chat spans' durations.
    const chats = spans.filter((s) => s.name.startsWith('chat ')).map((s) => s.durationS)
    await expectPanel('Model time to first chunk p95 by model', 0, tAgent, [
      {
        labels: {
          gen_ai_request_model: String(
            spans.find((s) => s.name.startsWith('chat '))?.attrs['gen_ai.request.model'],
          ),
        },
        range: between(0, quantileRange(chats, 0.95, 'chat spans').hi, 'at most the call'),
      },
    ])
  })
})
