import { AsyncLocalStorage } from 'node:async_hooks'

/** Who a log line (and later a span) is about: set once per webhook, read everywhere below it. */
export type CallContext = {
  conversation_id: string
  session_id: string
  turn_id?: string
  event_type: string
  agent: string
}

const storage = new AsyncLocalStorage<CallContext>()

export function runWithCallContext<T>(context: CallContext, fn: () => T): T {
  return storage.run(context, fn)
}

export function getCallContext(): CallContext | undefined {
  return storage.getStore()
}
