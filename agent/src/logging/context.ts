import { AsyncLocalStorage } from 'node:async_hooks'
import type { LOG_CONTEXT_FIELDS, LOG_SYNTHETIC_FIELD } from '@layercode-kit/telemetry'

/**
 * Who a log line is about: set once per webhook, read everywhere below it. Its fields are the
 * contract's LOG_CONTEXT_FIELDS (only turn_id may be absent: session.end has none), and
 * LOG_SYNTHETIC_FIELD on a synthetic conversation's lines.
 */
export type CallContext = Omit<Record<(typeof LOG_CONTEXT_FIELDS)[number], string>, 'turn_id'> & {
  turn_id?: string
} & { [K in typeof LOG_SYNTHETIC_FIELD]?: true }

const storage = new AsyncLocalStorage<CallContext>()

export function runWithCallContext<T>(context: CallContext, fn: () => T): T {
  return storage.run(context, fn)
}

export function getCallContext(): CallContext | undefined {
  return storage.getStore()
}
