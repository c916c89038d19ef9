import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import type { LanguageModelV4, LanguageModelV4StreamPart } from '@ai-sdk/provider'
import type { Histogram } from '@opentelemetry/sdk-metrics'
import { streamText } from 'ai'
import { Attr } from './contract.ts'
import { instrumentModel } from './genai-model.ts'
import { setPriceTable } from './pricing.ts'
import { chargingSession, recordSessionEnd, recordSessionStart } from './recording.ts'
import { SessionTracker } from './sessions.ts'
import { captureTelemetry } from './testing.ts'

const captured = await captureTelemetry()
after(() => captured.telemetry.shutdown())
setPriceTable({
  currency: 'USD',
  as_of: '2025-06-01',
  models: { 'gpt-test': { input: 2, cached_input: 1, output: 8 } },
  speech: { transcription_per_minute: 0.01, tts_per_minute: 0.02 },
})
after(() => setPriceTable(undefined))

/** A model that streams one word and reports this usage (the AI SDK's v4 usage shape). */
const reporting = (input: number, cacheRead: number, output: number): LanguageModelV4 => ({
  specificationVersion: 'v4',
  provider: 'openai.chat',
  modelId: 'gpt-test',
  supportedUrls: {},
  doGenerate: () => Promise.reject(new Error('unused')),
  doStream: async () => ({
    stream: new ReadableStream<LanguageModelV4StreamPart>({
      start(c) {
        c.enqueue({ type: 'text-start', id: '1' })
        c.enqueue({ type: 'text-delta', id: '1', delta: 'hi' })
        c.enqueue({ type: 'text-end', id: '1' })
        c.enqueue({
          type: 'finish',
          finishReason: { unified: 'stop', raw: 'stop' },
          usage: {
            inputTokens: { total: input, noCache: input - cacheRead, cacheRead, cacheWrite: 0 },
            outputTokens: { total: output, text: output, reasoning: 0 },
          },
        })
        c.close()
      },
    }),
  }),
})

const metric = async (name: string) =>
  (await captured.collectMetrics()).scopeMetrics
    .flatMap((sm) => sm.metrics)
    .find((m) => m.descriptor.name === name)

describe('spend', () => {
  it("counts a model call's tokens at the table's prices, cached input at its own, on the chat span too", async () => {
    const model = instrumentModel(reporting(1_000_000, 250_000, 500_000), 'bakery')
    await streamText({ model, prompt: 'hi' }).text
    await captured.flush()
    const chat = captured.spans.getFinishedSpans().find((s) => s.name === 'chat gpt-test')
    assert.equal(chat?.attributes[Attr.CachedInputTokens], 250_000)
    const cost = await metric('layercode.cost')
    const byItem = Object.fromEntries(
      (cost?.dataPoints ?? []).map((p) => [p.attributes[Attr.CostItem], p.value as number]),
    )
    assert.deepEqual(byItem, { input: 1.5, cached_input: 0.25, output: 4 })
    for (const p of cost?.dataPoints ?? []) {
      assert.equal(p.attributes[Attr.RequestModel], 'gpt-test')
      assert.equal(p.attributes[Attr.Provider], 'openai')
      assert.equal(p.attributes[Attr.AgentName], 'bakery')
    }
    assert.equal(cost?.descriptor.unit, '{USD}')
  })

  it("records a session's spend at session.end: its turns' model calls and LayerCode's speech", async () => {
    const sessions = new SessionTracker()
    recordSessionStart(sessions, 's1', 'bakery')
    recordSessionStart(sessions, 'other', 'bakery')
    for (const id of ['s1', 's1', 'other'])
      await chargingSession(
        sessions,
        id,
        () =>
          streamText({
            model: instrumentModel(reporting(100_000, 0, 10_000), 'bakery'),
            prompt: 'x',
          }).text,
      )
    // 2 x (0.2 + 0.08) for the model, 0.01 + 0.04 for 60 s transcribed and 120 s spoken
    recordSessionEnd(sessions, 's1', 'bakery', { transcriptionS: 60, ttsS: 120 })
    const points = (await metric('layercode.session.cost'))?.dataPoints ?? []
    const histogram = points[0]?.value as Histogram | undefined
    assert.equal(histogram?.count, 1)
    assert.ok(Math.abs((histogram?.sum ?? 0) - 0.61) < 1e-9, `${histogram?.sum}`)
    const speech = ((await metric('layercode.cost'))?.dataPoints ?? []).filter((p) =>
      ['transcription', 'tts'].includes(String(p.attributes[Attr.CostItem])),
    )
    assert.deepEqual(
      speech.map((p) => [p.attributes[Attr.CostItem], p.value as number]),
      [
        ['transcription', 0.01],
        ['tts', 0.04],
      ],
    )
    assert.ok(speech.every((p) => p.attributes[Attr.RequestModel] === undefined))
  })
})
