import { DEFAULT_TOLERANCE_SECONDS, SIGNATURE_HEADER } from '@layercode-kit/protocol'
import { recordWebhookRejection, type WebhookRejection } from '@layercode-kit/telemetry'
import type { Logger } from '../logging/logger.ts'

export const SIGNATURE_MESSAGES: Record<WebhookRejection, string> = {
  missing: `missing ${SIGNATURE_HEADER} header`,
  malformed: `malformed ${SIGNATURE_HEADER} header; expected t=<unix seconds>,v1=<hex HMAC-SHA256>`,
  stale: `${SIGNATURE_HEADER} timestamp is outside the ${DEFAULT_TOLERANCE_SECONDS} s tolerance`,
  mismatch: `${SIGNATURE_HEADER} does not match the body`,
}

/** At most one warning per reason this often; the ones between are counted in the next. */
export const REJECTION_LOG_INTERVAL_MS = 10_000

export type RejectionOptions = {
  logger: Logger
  agent: string
  intervalMs?: number
  now?: () => number
}

/**
 * Counts each refused webhook (layercode.webhook.rejections, by reason) and warns about it,
 * rate-limited per reason, with neither its body nor its signature: a wrong webhook secret
 * refuses every webhook, and without this nobody would be told (no turn means no error rate).
 */
export function webhookRejections(options: RejectionOptions): (reason: WebhookRejection) => void {
  const { logger, agent, intervalMs = REJECTION_LOG_INTERVAL_MS, now = Date.now } = options
  const last = new Map<WebhookRejection, { at: number; suppressed: number }>()
  return function rejectWebhook(reason) {
    recordWebhookRejection(agent, reason)
    const at = now()
    const previous = last.get(reason)
    if (previous && at - previous.at < intervalMs) {
      previous.suppressed += 1
      return
    }
    logger.warn('webhook rejected', {
      rejection_reason: reason,
      detail: SIGNATURE_MESSAGES[reason],
      suppressed: previous?.suppressed ?? 0,
      hint:
        reason === 'mismatch'
          ? "if every webhook is refused, LAYERCODE_WEBHOOK_SECRET differs from your LayerCode agent's"
          : undefined,
    })
    last.set(reason, { at, suppressed: 0 })
  }
}
