import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { GenAiGeneration, KIT_METRICS } from './contract.ts'
import { genAiGenerations, metricsEmitted } from './genai-generation.ts'

const { Legacy, Latest } = GenAiGeneration
const of = (value?: string) => [...genAiGenerations({ OTEL_SEMCONV_STABILITY_OPT_IN: value })]

describe('genAiGenerations', () => {
  it('emits the legacy names unless the switch asks otherwise', () => {
    assert.deepEqual(of(undefined), [Legacy])
    assert.deepEqual(of(''), [Legacy])
    assert.deepEqual(of('http/dup'), [Legacy], "another convention's value")
    assert.deepEqual(of('gen_ai_latest'), [Legacy], 'not a GenAI value')
  })

  it('reads gen_ai_latest_experimental anywhere in the list, any case', () => {
    assert.deepEqual(of('gen_ai_latest_experimental'), [Latest])
    assert.deepEqual(of('http, GEN_AI_LATEST_EXPERIMENTAL '), [Latest])
  })

  it('emits both with the /dup form, which wins over the plain one', () => {
    assert.deepEqual(of('gen_ai_latest_experimental/dup'), [Legacy, Latest])
    assert.deepEqual(of('gen_ai_latest_experimental,gen_ai_latest_experimental/dup'), [
      Legacy,
      Latest,
    ])
  })
})

describe('metricsEmitted', () => {
  const names = (gens: GenAiGeneration[]) =>
    new Set(metricsEmitted(new Set(gens)).map((m) => m.name))

  it('swaps each GenAI name for its counterpart and keeps the rest', () => {
    const legacy = names([Legacy])
    const latest = names([Latest])
    assert.ok(legacy.has('gen_ai.client.token.usage') && !latest.has('gen_ai.client.token.usage'))
    assert.ok(latest.has('gen_ai.client.inference.usage.input_tokens'))
    assert.ok(!legacy.has('gen_ai.client.inference.usage.input_tokens'))
    assert.ok(legacy.has('layercode.tool.duration') && latest.has('gen_ai.execute_tool.duration'))
    for (const name of ['layercode.turn.duration', 'layercode.cost', 'layercode.tool.calls'])
      assert.ok(legacy.has(name) && latest.has(name), name)
    assert.equal(names([Legacy, Latest]).size, new Set([...legacy, ...latest]).size)
  })

  it("names every GenAI metric's counterparts in the other generation", () => {
    for (const metric of KIT_METRICS.filter((m) => 'generation' in m)) {
      for (const other of metric.counterparts ?? []) {
        const spec = KIT_METRICS.find((m) => m.name === other)
        assert.ok(spec, `${metric.name}: ${other} is in the contract`)
        assert.notEqual('generation' in spec && spec.generation, metric.generation, other)
      }
    }
  })
})
