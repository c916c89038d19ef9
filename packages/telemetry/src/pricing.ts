/**
 * The price table (packages/telemetry/prices.json, or the file LAYERCODE_PRICES_FILE names):
 * what tokens and LayerCode's speech minutes cost, turned into `layercode.cost` where they are
 * measured. Read once; a broken file is an error at startup, not a silent zero.
 */
import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { CostItem } from './contract.ts'

/** Names a price table to use instead of the package's prices.json. */
export const PRICES_FILE_ENV = 'LAYERCODE_PRICES_FILE'
/** The table the kit ships, dated inside. */
export const DEFAULT_PRICES_FILE = new URL('../prices.json', import.meta.url)

const price = z.number().finite().nonnegative()
const ModelPrice = z.strictObject({
  /** US dollars per million input tokens not read from the prompt cache. */
  input: price,
  /** Per million input tokens read from the provider's prompt cache (default: `input`). */
  cached_input: price.optional(),
  output: price,
  about: z.string().optional(),
})
/** The price table's schema (prices.json). */
export const PriceTableSchema = z.strictObject({
  currency: z.literal('USD'),
  /** The date the prices were read (YYYY-MM-DD). */
  as_of: z.iso.date(),
  about: z.string().optional(),
  /** By model id; `gpt-4o-mini` also prices `gpt-4o-mini-2024-07-18` (longest `id-` prefix). */
  models: z.record(z.string().min(1), ModelPrice),
  speech: z.strictObject({
    transcription_per_minute: price,
    tts_per_minute: price,
    about: z.string().optional(),
  }),
})
/** A validated price table. */
export type PriceTable = z.infer<typeof PriceTableSchema>
/** One model's prices, USD per million tokens. */
export type ModelPrice = z.infer<typeof ModelPrice>

/** Parses a price table, or throws an error naming the file and the first problem. */
export function parsePriceTable(text: string, source: string): PriceTable {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new Error(`price table ${source} is not JSON: ${(error as Error).message}`)
  }
  const result = PriceTableSchema.safeParse(json)
  if (!result.success) {
    const issue = result.error.issues[0]
    throw new Error(
      `price table ${source}: ${issue?.path.join('.') || '(top level)'}: ${issue?.message}`,
    )
  }
  return result.data
}

/** Reads the table LAYERCODE_PRICES_FILE names, or the shipped one. */
export function loadPriceTable(env: Record<string, string | undefined> = process.env): PriceTable {
  const file = env[PRICES_FILE_ENV] || DEFAULT_PRICES_FILE
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new Error(`cannot read the price table ${file}: ${(error as Error).message}`)
  }
  return parsePriceTable(text, String(file))
}

let cached: PriceTable | undefined
/** The process' price table, read on first use. */
export function priceTable(): PriceTable {
  cached ??= loadPriceTable()
  return cached
}
/** Replaces the process' table (tests), or forgets it so the next use reads the file again. */
export function setPriceTable(table: PriceTable | undefined): void {
  cached = table
}

/** A model's price: its id, or the longest priced id it starts with followed by `-`. */
export function modelPrice(table: PriceTable, model: string): ModelPrice | undefined {
  const exact = table.models[model]
  if (exact) return exact
  let best: string | undefined
  for (const id of Object.keys(table.models))
    if (model.startsWith(`${id}-`) && id.length > (best?.length ?? 0)) best = id
  return best === undefined ? undefined : table.models[best]
}

/** A model call's token counts. */
export type TokenCounts = { input: number; output: number; cachedInput?: number }
/** One cost increment. */
export type Charge = { item: CostItem; usd: number }

/** What a model call's tokens cost, per item; undefined for a model without a price. */
export function tokenCost(
  table: PriceTable,
  model: string,
  tokens: TokenCounts,
): Charge[] | undefined {
  const p = modelPrice(table, model)
  if (!p) return undefined
  const cached = Math.min(Math.max(tokens.cachedInput ?? 0, 0), tokens.input)
  const charges: Charge[] = [
    { item: CostItem.Input, usd: ((tokens.input - cached) * p.input) / 1e6 },
    { item: CostItem.Output, usd: (tokens.output * p.output) / 1e6 },
  ]
  if (cached > 0)
    charges.push({ item: CostItem.CachedInput, usd: (cached * (p.cached_input ?? p.input)) / 1e6 })
  return charges
}

/** What LayerCode's speech minutes of a session cost (seconds as session.end reports them). */
export function speechCost(
  table: PriceTable,
  seconds: { transcriptionS?: number; ttsS?: number },
): Charge[] {
  const charges: Charge[] = []
  if (seconds.transcriptionS !== undefined)
    charges.push({
      item: CostItem.Transcription,
      usd: (seconds.transcriptionS / 60) * table.speech.transcription_per_minute,
    })
  if (seconds.ttsS !== undefined)
    charges.push({ item: CostItem.Tts, usd: (seconds.ttsS / 60) * table.speech.tts_per_minute })
  return charges
}
