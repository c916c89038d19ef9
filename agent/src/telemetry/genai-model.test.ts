import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import type { LanguageModelV4 } from '@ai-sdk/provider'
import { Attr, CAPTURE_CONTENT_ENV } from '@layercode-kit/telemetry'
import { instrumentModel } from '@layercode-kit/telemetry/ai'
import { captureTelemetry } from '@layercode-kit/telemetry/testing'
import { SpanStatusCode } from '@opentelemetry/api'
import { streamText } from 'ai'
import { OfflineLanguageModel } from '../model/offline.ts'

const captured = await captureTelemetry()
after(() => captured.telemetry.shutdown())

const lastChat = async () => {
  await captured.flush()
  return captured.spans
    .getFinishedSpans()
    .filter((s) => s.name.startsWith('chat '))
    .at(-1)
}

describe('instrumentModel', () => {
  it('records prompt and completion only when content capture is on', async () => {
    for (const capture of [false, true]) {
      const model = instrumentModel(new OfflineLanguageModel({ chunkDelayMs: 0 }), 'starter', {
        [CAPTURE_CONTENT_ENV]: capture ? 'true' : undefined,
      })
      const text = await streamText({ model, prompt: 'secret plans' }).text
      const span = await lastChat()
      assert.equal(span?.attributes[Attr.InputMessages] !== undefined, capture)
      if (capture) {
        assert.match(String(span?.attributes[Attr.InputMessages]), /secret plans/)
        const output = JSON.parse(String(span?.attributes[Attr.OutputMessages]))
        assert.equal(output[0].text, text)
      }
    }
  })

  it('ends the chat span with ERROR when the stream fails, and meters the failure', async () => {
    const failing: LanguageModelV4 = {
      specificationVersion: 'v4',
      provider: 'openai.chat',
      modelId: 'gpt-test',
      supportedUrls: {},
      doGenerate: () => Promise.reject(new Error('unused')),
      doStream: () =>
        Promise.reject(Object.assign(new Error('429 rate limited'), { name: 'APICallError' })),
    }
    const result = streamText({
      model: instrumentModel(failing, 'starter'),
      prompt: 'hi',
      maxRetries: 0,
      onError: () => {},
    })
    await assert.rejects(Promise.resolve(result.text))
    const span = await lastChat()
    assert.equal(span?.name, 'chat gpt-test')
    assert.equal(
      span?.attributes[Attr.Provider],
      'openai',
      'the provider name without the API suffix',
    )
    assert.equal(span?.status.code, SpanStatusCode.ERROR)
    assert.equal(span?.attributes[Attr.ErrorType], 'APICallError')
    const duration = (await captured.collectMetrics()).scopeMetrics
      .flatMap((sm) => sm.metrics)
      .find((m) => m.descriptor.name === 'gen_ai.client.operation.duration')
    assert.ok(duration?.dataPoints.some((p) => p.attributes[Attr.ErrorType] === 'APICallError'))
  })

  it('ends the chat span when the caller abandons the stream', async () => {
    const abort = new AbortController()
    const model = instrumentModel(new OfflineLanguageModel({ chunkDelayMs: 30 }), 'starter')
    const result = streamText({ model, prompt: 'a long answer', abortSignal: abort.signal })
    setTimeout(() => abort.abort(), 50)
    for await (const _ of result.fullStream) {
      // drain until the abort ends it
    }
    const span = await lastChat()
    assert.equal(span?.ended, true)
    assert.equal(span?.status.code, SpanStatusCode.ERROR)
  })

  it("records each streaming call's time to its first chunk, within the call's duration", async () => {
    const histogram = async (name: string) => {
      const metric = (await captured.collectMetrics()).scopeMetrics
        .flatMap((sm) => sm.metrics)
        .find((m) => m.descriptor.name === name)
      const point = metric?.dataPoints.find(
        (p) => p.attributes[Attr.AgentName] === 'ttfc' && !p.attributes[Attr.ErrorType],
      )
      return point?.value as { count: number; sum: number } | undefined
    }
    const model = instrumentModel(new OfflineLanguageModel({ chunkDelayMs: 20 }), 'ttfc')
    for (let i = 0; i < 3; i++) await streamText({ model, prompt: 'three short words' }).text
    const first = await histogram('gen_ai.client.operation.time_to_first_chunk')
    const whole = await histogram('gen_ai.client.operation.duration')
    assert.equal(first?.count, 3, 'one per call')
    assert.ok((first?.sum ?? 0) >= 3 * 0.02, 'the offline model waits 20 ms before each word')
    assert.ok((first?.sum ?? 0) < (whole?.sum ?? 0), `${first?.sum} s of ${whole?.sum} s`)
  })
})
