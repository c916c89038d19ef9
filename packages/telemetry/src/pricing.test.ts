import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import {
  DEFAULT_PRICES_FILE,
  loadPriceTable,
  modelPrice,
  type PriceTable,
  parsePriceTable,
  speechCost,
  tokenCost,
} from './pricing.ts'

const table: PriceTable = {
  currency: 'USD',
  as_of: '2025-06-01',
  models: {
    'gpt-4o': { input: 2.5, cached_input: 1.25, output: 10 },
    'gpt-4o-mini': { input: 0.15, output: 0.6 },
  },
  speech: { transcription_per_minute: 0.006, tts_per_minute: 0.015 },
}

describe('the price table', () => {
  it('ships valid, dated, with a price for the offline demo model', () => {
    const shipped = loadPriceTable({})
    assert.match(shipped.as_of, /^\d{4}-\d{2}-\d{2}$/)
    assert.ok(modelPrice(shipped, 'offline-voice-1'))
    assert.ok(modelPrice(shipped, 'gpt-4o-mini'))
    assert.equal(
      loadPriceTable({}).as_of,
      JSON.parse(readFileSync(DEFAULT_PRICES_FILE, 'utf8')).as_of,
    )
  })

  it('refuses a broken table with the file and the first problem named', () => {
    for (const [text, problem] of [
      ['{', /prices\.json is not JSON/],
      ['{"currency":"EUR"}', /currency/],
      [
        JSON.stringify({ ...table, models: { x: { input: -1, output: 1 } } }),
        /models\.x\.input: .*>=0/,
      ],
      [JSON.stringify({ ...table, models: { x: { input: 1, outptu: 1 } } }), /models\.x/],
      [JSON.stringify({ ...table, as_of: 'last week' }), /as_of/],
    ] as const)
      assert.throws(() => parsePriceTable(text, 'prices.json'), problem as RegExp)
    assert.throws(
      () => loadPriceTable({ LAYERCODE_PRICES_FILE: '/nonexistent/prices.json' }),
      /cannot read the price table \/nonexistent\/prices\.json/,
    )
  })

  it('prices a dated model id by the longest id it starts with, and nothing else', () => {
    assert.equal(modelPrice(table, 'gpt-4o-mini-2024-07-18')?.input, 0.15)
    assert.equal(modelPrice(table, 'gpt-4o-2024-08-06')?.input, 2.5)
    assert.equal(modelPrice(table, 'gpt-4'), undefined)
    assert.equal(modelPrice(table, 'gpt-4omni'), undefined, 'only at a dash')
    assert.equal(modelPrice(table, 'claude-3'), undefined)
  })

  it('charges cached input at its own price, and at the input price when it has none', () => {
    assert.deepEqual(
      tokenCost(table, 'gpt-4o', { input: 1_000_000, output: 100_000, cachedInput: 400_000 }),
      [
        { item: 'input', usd: 1.5 },
        { item: 'output', usd: 1 },
        { item: 'cached_input', usd: 0.5 },
      ],
    )
    assert.deepEqual(
      tokenCost(table, 'gpt-4o-mini', { input: 2_000_000, output: 0, cachedInput: 1_000_000 }),
      [
        { item: 'input', usd: 0.15 },
        { item: 'output', usd: 0 },
        { item: 'cached_input', usd: 0.15 },
      ],
    )
    // A provider reporting more cached than input tokens cannot make a negative charge.
    const odd = tokenCost(table, 'gpt-4o', { input: 10, output: 0, cachedInput: 50 })
    assert.ok(odd?.every((c) => c.usd >= 0))
    assert.equal(tokenCost(table, 'unknown', { input: 1, output: 1 }), undefined)
  })

  it("charges LayerCode's speech by the minute", () => {
    const charges = speechCost(table, { transcriptionS: 90, ttsS: 120 })
    assert.deepEqual(
      charges.map((c) => c.item),
      ['transcription', 'tts'],
    )
    assert.ok(Math.abs((charges[0]?.usd ?? 0) - 0.009) < 1e-12)
    assert.ok(Math.abs((charges[1]?.usd ?? 0) - 0.03) < 1e-12)
    assert.deepEqual(speechCost(table, {}), [])
  })
})
