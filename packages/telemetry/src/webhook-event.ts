/**
 * A LayerCode webhook as the kit's middleware reads it from outside the app: the event's type
 * and ids from a copy of the request body, and why the app refused it (from the signature
 * header alone: the app verified it with the secret, the kit only names the reason).
 */
import { WebhookRejection } from './contract.ts'
import { isSyntheticMetadata } from './synthetic.ts'

/** Webhooks are kilobytes; a larger body is the app's to accept or refuse, and no turn here. */
export const MAX_WEBHOOK_BYTES = 4 * 2 ** 20
/** The header LayerCode signs webhooks in. */
export const SIGNATURE_HEADER = 'layercode-signature'
/** LayerCode's default tolerance between the signature's timestamp and now. */
export const SIGNATURE_TOLERANCE_S = 300

/** The webhook types whose answer is a turn (an SSE stream the caller speaks). */
export const TURN_EVENTS: ReadonlySet<string> = new Set(['session.start', 'message'])

/** What the telemetry reads of a webhook's body. */
export type WebhookEvent = {
  type: string
  conversationId: string | undefined
  sessionId: string | undefined
  turnId: string | undefined
  /** custom_metadata (or metadata) marks it the canary's. */
  synthetic: boolean
  /** session.end's figures, those that are non-negative finite numbers. */
  figures: {
    durationMs?: number
    latencyMs?: number
    transcriptionS?: number
    ttsS?: number
  }
}

const text = (value: unknown) => (typeof value === 'string' && value ? value : undefined)
const figure = (value: unknown) =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined
const record = (value: unknown) =>
  value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined

/** The event in a body, or undefined when it is not a JSON object with a string `type`. */
export function parseWebhook(body: string): WebhookEvent | undefined {
  let payload: Record<string, unknown> | undefined
  try {
    payload = record(JSON.parse(body))
  } catch {
    return undefined
  }
  const type = text(payload?.type)
  if (!payload || !type) return undefined
  const figures: WebhookEvent['figures'] = {}
  if (type === 'session.end') {
    const entries = [
      ['durationMs', payload.duration],
      ['latencyMs', payload.latency],
      ['transcriptionS', payload.transcription_duration_seconds],
      ['ttsS', payload.tts_duration_seconds],
    ] as const
    for (const [key, value] of entries) {
      const n = figure(value)
      if (n !== undefined) figures[key] = n
    }
  }
  return {
    type,
    conversationId: text(payload.conversation_id),
    sessionId: text(payload.session_id),
    turnId: text(payload.turn_id),
    synthetic: isSyntheticMetadata(record(payload.custom_metadata) ?? record(payload.metadata)),
    figures,
  }
}

/**
 * Reads a copy of the request's body, at most `MAX_WEBHOOK_BYTES` (undefined beyond, or when
 * there is none), leaving the request itself unread for the app.
 */
export async function readWebhookBody(request: Request): Promise<string | undefined> {
  if (!request.body || request.bodyUsed) return undefined
  const reader = request.clone().body?.getReader()
  if (!reader) return undefined
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.byteLength
      if (size > MAX_WEBHOOK_BYTES) {
        await reader.cancel()
        return undefined
      }
      chunks.push(value)
    }
  } catch {
    return undefined
  }
  return Buffer.concat(chunks).toString('utf8')
}

const SIGNATURE = /^t=(\d{1,12}),v1=[0-9a-fA-F]{64}$/

/** Why the app answered 401: missing, malformed, stale, or mismatch (well formed and fresh). */
export function rejectionReason(
  header: string | null | undefined,
  nowS: number = Date.now() / 1000,
): WebhookRejection {
  if (!header) return WebhookRejection.Missing
  const match = SIGNATURE.exec(header.trim())
  if (!match) return WebhookRejection.Malformed
  if (Math.abs(nowS - Number(match[1])) > SIGNATURE_TOLERANCE_S) return WebhookRejection.Stale
  return WebhookRejection.Mismatch
}
