import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { stepCountIs, streamText, tool } from 'ai'
import { z } from 'zod'
import { OFFLINE_MODEL_ID, OfflineLanguageModel } from './offline.ts'
import { resolveModel } from './provider.ts'

describe('OfflineLanguageModel through the AI SDK', () => {
  it('streams deterministic text word by word and reports usage', async () => {
    const run = async () => {
      const result = streamText({
        model: new OfflineLanguageModel({ chunkDelayMs: 0 }),
        prompt: 'hello there',
      })
      const deltas: string[] = []
      for await (const part of result.fullStream)
        if (part.type === 'text-delta') deltas.push(part.text)
      return { deltas, usage: await result.totalUsage, finish: await result.finishReason }
    }
    const a = await run()
    const b = await run()
    assert.deepEqual(a.deltas, b.deltas, 'deterministic')
    assert.ok(a.deltas.length > 5, 'streamed in many deltas')
    assert.match(a.deltas.join(''), /^You said "hello there"\./)
    assert.equal(a.finish, 'stop')
    assert.ok((a.usage.inputTokens ?? 0) > 0 && (a.usage.outputTokens ?? 0) > 0)
  })

  it('calls the tool the user names, with schema-shaped arguments, then summarizes its result', async () => {
    const calls: unknown[] = []
    const result = streamText({
      model: new OfflineLanguageModel({ chunkDelayMs: 0 }),
      prompt: 'Please book a table for 3 people at 8:30pm',
      stopWhen: stepCountIs(3),
      tools: {
        book_table: tool({
          description: 'Reserve a table',
          inputSchema: z.object({
            name: z.string(),
            party_size: z.number().int(),
            time: z.string(),
          }),
          execute: async (input) => {
            calls.push(input)
            return { summary: `Booked for ${input.party_size}.` }
          },
        }),
        list_menu: tool({
          description: 'Menu',
          inputSchema: z.object({}),
          execute: async () => ({}),
        }),
      },
    })
    assert.equal(await result.text, 'Booked for 3. Anything else I can help with?')
    assert.deepEqual(calls, [{ name: 'Guest', party_size: 3, time: '20:30' }])
    assert.equal((await result.steps).length, 2)
  })

  it('picks an enum value the user mentions', async () => {
    const calls: unknown[] = []
    const result = streamText({
      model: new OfflineLanguageModel({ chunkDelayMs: 0 }),
      prompt: 'I want to order five baguettes',
      stopWhen: stepCountIs(2),
      tools: {
        make_order: tool({
          description: 'Order',
          inputSchema: z.object({
            items: z.array(
              z.object({ item: z.enum(['croissant', 'baguette']), quantity: z.number().int() }),
            ),
          }),
          execute: async (input) => {
            calls.push(input)
            return 'ok'
          },
        }),
      },
    })
    await result.text
    assert.deepEqual(calls, [{ items: [{ item: 'baguette', quantity: 5 }] }])
  })

  it('scales the reported usage for a token-burst drill', async () => {
    const usageOf = async (multiplier?: number) => {
      const result = streamText({
        model: new OfflineLanguageModel({ chunkDelayMs: 0 }),
        prompt: 'same words',
        ...(multiplier ? { providerOptions: { offline: { usageMultiplier: multiplier } } } : {}),
      })
      return result.totalUsage
    }
    const normal = await usageOf()
    const burst = await usageOf(5000)
    assert.equal(burst.inputTokens, (normal.inputTokens ?? 0) * 5000)
    assert.equal(burst.outputTokens, (normal.outputTokens ?? 0) * 5000)
  })

  it('stops when aborted', async () => {
    const abort = new AbortController()
    const result = streamText({
      model: new OfflineLanguageModel({ chunkDelayMs: 50 }),
      prompt: 'a long answer please',
      abortSignal: abort.signal,
    })
    setTimeout(() => abort.abort(), 60)
    const parts: string[] = []
    for await (const part of result.fullStream) parts.push(part.type)
    assert.ok(parts.includes('abort'))
  })
})

describe('resolveModel', () => {
  it('is offline without a key, or when asked for', async () => {
    assert.equal((await resolveModel({})).modelId, OFFLINE_MODEL_ID)
    assert.equal(
      (await resolveModel({ openaiApiKey: 'sk-x', modelId: 'offline' })).provider,
      'offline',
    )
  })

  it('uses the OpenAI-compatible chat API with a key', async () => {
    const model = await resolveModel({
      openaiApiKey: 'sk-x',
      modelId: 'llama3.2',
      openaiBaseUrl: 'http://127.0.0.1:11434/v1',
    })
    assert.equal(model.modelId, 'llama3.2')
    assert.match(model.provider, /openai\.chat/)
  })
})
