/**
 * Synthetic traffic (the canary) told apart from real callers: a webhook marked with
 * `custom_metadata[SYNTHETIC_METADATA_KEY]` runs in a synthetic scope (AsyncLocalStorage, so
 * the model wrapper, tools and session.end need no flag passed down), and every kit metric
 * recorded inside carries `layercode.synthetic=true`.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import type { Attributes } from '@opentelemetry/api'
import { Attr, SYNTHETIC_METADATA_KEY } from './contract.ts'

const scope = new AsyncLocalStorage<true>()

/** Whether a webhook's custom metadata marks it synthetic (`true`, or the string "true"). */
export function isSyntheticMetadata(metadata: Record<string, unknown> | undefined): boolean {
  const flag = metadata?.[SYNTHETIC_METADATA_KEY]
  return flag === true || flag === 'true'
}

/** Runs `fn` (a webhook's handling) as synthetic traffic when `synthetic` is true. */
export function asSynthetic<T>(synthetic: boolean, fn: () => T): T {
  return synthetic ? scope.run(true, fn) : fn()
}

/** A metric's attributes, tagged when recorded for synthetic traffic (untouched otherwise). */
export function trafficAttributes(attributes: Attributes = {}): Attributes {
  return scope.getStore() ? { ...attributes, [Attr.Synthetic]: true } : attributes
}
