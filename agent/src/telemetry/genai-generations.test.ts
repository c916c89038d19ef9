/**
 * The GenAI names under each value of OTEL_SEMCONV_STABILITY_OPT_IN: a model call, a tool call
 * and an agent invocation, recorded through the package's public helpers on the real SDK.
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import {
  Attr,
  GenAiOptIn,
  invokeAgentSpan,
  runTool,
  SEMCONV_OPT_IN_ENV,
  useGenAiGenerations,
} from '@layercode-kit/telemetry'
import { instrumentModel } from '@layercode-kit/telemetry/ai'
import { captureTelemetry } from '@layercode-kit/telemetry/testing'
import { streamText } from 'ai'
import { OfflineLanguageModel } from '../model/offline.ts'

const captured = await captureTelemetry()
after(() => {
  useGenAiGenerations(process.env)
  return captured.telemetry.shutdown()
})

const LEGACY = [
  'gen_ai.client.token.usage',
  'gen_ai.client.operation.duration',
  'gen_ai.client.operation.time_to_first_chunk',
  'layercode.tool.duration',
]
const LATEST = [
  'gen_ai.client.inference.usage.input_tokens',
  'gen_ai.client.inference.usage.output_tokens',
  'gen_ai.client.inference.operation.input_tokens',
  'gen_ai.client.inference.operation.output_tokens',
  'gen_ai.client.inference.duration',
  'gen_ai.client.inference.time_to_first_chunk',
  'gen_ai.invoke_agent.duration',
  'gen_ai.execute_tool.duration',
]

/** One agent's turn under `value` of the switch; the GenAI metrics it left, by name. */
async function turnUnder(value: string | undefined, agent: string) {
  useGenAiGenerations({ [SEMCONV_OPT_IN_ENV]: value })
  const model = instrumentModel(new OfflineLanguageModel({ chunkDelayMs: 0 }), agent)
  await invokeAgentSpan(agent, `conv-${agent}`, async () => {
    await streamText({ model, prompt: 'the menu, please' }).text
    await runTool('list_menu', async () => 'bread', { agent })
  })
  const found = new Map<string, Array<{ attributes: Record<string, unknown>; value: unknown }>>()
  for (const metric of (await captured.collectMetrics()).scopeMetrics.flatMap((s) => s.metrics)) {
    const points = metric.dataPoints.filter((p) => p.attributes[Attr.AgentName] === agent)
    if (points.length > 0 && [...LEGACY, ...LATEST].includes(metric.descriptor.name))
      found.set(metric.descriptor.name, points)
  }
  return found
}
const tokens = (points: Array<{ value: unknown }> | undefined) =>
  (points ?? []).reduce(
    (n, p) =>
      n +
      (typeof p.value === 'number'
        ? p.value
        : ((p.value as { sum: number } | undefined)?.sum ?? 0)),
    0,
  )

describe('the GenAI names under OTEL_SEMCONV_STABILITY_OPT_IN', () => {
  it('unset: the legacy names only, as the mainstream instrumentations emit them', async () => {
    const found = await turnUnder(undefined, 'legacy-agent')
    assert.deepEqual([...found.keys()].sort(), [...LEGACY].sort())
    const types = found.get('gen_ai.client.token.usage')?.map((p) => p.attributes[Attr.TokenType])
    assert.deepEqual(types?.sort(), ['input', 'output'])
  })

  it('gen_ai_latest_experimental: the latest names only, tokens by modality', async () => {
    const found = await turnUnder(GenAiOptIn.Latest, 'latest-agent')
    assert.deepEqual([...found.keys()].sort(), [...LATEST].sort())
    for (const kind of ['input', 'output']) {
      const points = found.get(`gen_ai.client.inference.usage.${kind}_tokens`) ?? []
      assert.deepEqual(
        points.map((p) => p.attributes[Attr.TokenModality]),
        ['text'],
        `${kind}: the chat model's tokens are text`,
      )
      assert.equal(points[0]?.attributes[Attr.TokenType], undefined, 'no legacy token type')
    }
  })

  it('the /dup form: both, with the same token totals under each name', async () => {
    const found = await turnUnder(GenAiOptIn.Dup, 'dup-agent')
    assert.deepEqual([...found.keys()].sort(), [...LEGACY, ...LATEST].sort())
    const legacy = tokens(found.get('gen_ai.client.token.usage'))
    const latest =
      tokens(found.get('gen_ai.client.inference.usage.input_tokens')) +
      tokens(found.get('gen_ai.client.inference.usage.output_tokens'))
    assert.ok(legacy > 0)
    assert.equal(latest, legacy)
  })

  it("puts the invocation's conversation id on its chat spans, and makes none up", async () => {
    await captured.flush()
    const spans = captured.spans.getFinishedSpans()
    const invoke = spans.find((s) => s.name === 'invoke_agent latest-agent')
    assert.equal(invoke?.attributes[Attr.GenAiConversationId], 'conv-latest-agent')
    const inside = spans.find(
      (s) =>
        s.name.startsWith('chat ') && s.parentSpanContext?.spanId === invoke?.spanContext().spanId,
    )
    assert.equal(inside?.attributes[Attr.GenAiConversationId], 'conv-latest-agent')
    // Outside an agent invocation and a LayerCode webhook there is no conversation to name.
    const model = instrumentModel(new OfflineLanguageModel({ chunkDelayMs: 0 }), 'lone')
    await streamText({ model, prompt: 'hello' }).text
    await captured.flush()
    const lone = captured.spans.getFinishedSpans().at(-1)
    assert.equal(lone?.name.startsWith('chat '), true)
    assert.equal(lone?.attributes[Attr.GenAiConversationId], undefined)
  })
})
