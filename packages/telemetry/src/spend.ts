/**
 * Spend (`layercode.cost`), counted where it is measured, and charged to the session whose
 * turn is running: model calls charge the account the turn set up (AsyncLocalStorage, so the
 * model wrapper needs no session id), and session.end records the session's total.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import type { Attributes } from '@opentelemetry/api'
import { Attr } from './contract.ts'
import { instruments } from './instruments.ts'
import { type Charge, priceTable, type TokenCounts, tokenCost } from './pricing.ts'

const account = new AsyncLocalStorage<(usd: number) => void>()

/** Runs `fn` (a turn) with the spend of every model call inside charged to `charge`. */
export function chargingTo<T>(charge: (usd: number) => void, fn: () => T): T {
  return account.run(charge, fn)
}

/** Counts charges on `layercode.cost` and charges the running turn's account; returns the sum. */
export function recordCharges(charges: readonly Charge[], attributes: Attributes): number {
  const { cost } = instruments()
  let total = 0
  for (const { item, usd } of charges) {
    if (!Number.isFinite(usd) || usd < 0) continue
    cost.add(usd, { ...attributes, [Attr.CostItem]: item })
    total += usd
  }
  account.getStore()?.(total)
  return total
}

const unpriced = new Set<string>()

/** A model call's tokens at the price table's prices; a model without a price is warned of once. */
export function recordModelSpend(
  call: { agent: string; provider: string; model: string },
  tokens: TokenCounts,
): void {
  const charges = tokenCost(priceTable(), call.model, tokens)
  if (!charges) {
    if (!unpriced.has(call.model)) {
      unpriced.add(call.model)
      process.emitWarning(
        `no price for model "${call.model}" in the price table: its calls count no layercode.cost (add it to your LAYERCODE_PRICES_FILE)`,
        { code: 'LAYERCODE_UNPRICED_MODEL' },
      )
    }
    return
  }
  recordCharges(charges, {
    [Attr.AgentName]: call.agent,
    [Attr.Provider]: call.provider,
    [Attr.RequestModel]: call.model,
  })
}
