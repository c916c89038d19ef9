/**
 * The webhook being handled, for code that runs inside it without a handle on it: log records
 * get its call-context fields, `runTool` its agent (AsyncLocalStorage, like the synthetic scope).
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { LOG_SYNTHETIC_FIELD } from './contract.ts'
import type { WebhookEvent } from './webhook-event.ts'

/** The webhook being handled: its agent and parsed event. */
export type WebhookScope = { agent: string; event: WebhookEvent }

const scope = new AsyncLocalStorage<WebhookScope>()

/** Runs `fn` (the app's handling of a webhook) with the webhook as the current one. */
export function inWebhook<T>(webhook: WebhookScope, fn: () => T): T {
  return scope.run(webhook, fn)
}

/** The webhook the calling code handles, if the kit's middleware is observing one. */
export function currentWebhook(): WebhookScope | undefined {
  return scope.getStore()
}

/** The contract's call-context log fields of a webhook (LOG_CONTEXT_FIELDS), those it has. */
export function webhookLogFields({ agent, event }: WebhookScope): Record<string, string | true> {
  const fields: Record<string, string | true> = { event_type: event.type, agent }
  if (event.conversationId) fields.conversation_id = event.conversationId
  if (event.sessionId) fields.session_id = event.sessionId
  if (event.turnId) fields.turn_id = event.turnId
  if (event.synthetic) fields[LOG_SYNTHETIC_FIELD] = true
  return fields
}
