import { createHmac, timingSafeEqual } from 'node:crypto'
import type { WebhookRejection } from '@layercode-kit/telemetry'

/** LayerCode's default tolerance between the signature timestamp and now. */
export const DEFAULT_TOLERANCE_SECONDS = 300
export const SIGNATURE_HEADER = 'layercode-signature'

const TIMESTAMP = /^\d{1,12}$/
const V1 = /^[0-9a-f]{64}$/i

/** The contract's rejection reasons (layercode.webhook.rejections counts them). */
export type SignatureFailure = WebhookRejection
export type SignatureCheck = { ok: true } | { ok: false; reason: SignatureFailure }

export type VerifyOptions = {
  header: string | undefined | null
  rawBody: Uint8Array
  secret: string
  toleranceSeconds?: number
  nowSeconds?: number
}

function hmacHex(secret: string, timestamp: number, rawBody: Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex')
}

/** Signs a body the way LayerCode does: `t=<unix s>,v1=hex(HMAC-SHA256(secret, "<t>.<body>"))`. */
export function signPayload(
  secret: string,
  rawBody: string | Uint8Array,
  timestamp = Math.floor(Date.now() / 1000),
): string {
  const bytes = typeof rawBody === 'string' ? Buffer.from(rawBody) : rawBody
  return `t=${timestamp},v1=${hmacHex(secret, timestamp, bytes)}`
}

/**
 * `t=...,v1=...` with its components in any order; unknown components (`v0=...`) are
 * ignored and several `v1` (a secret being rotated) are each tried, as webhook signature
 * schemes conventionally allow. Undefined when there is no single timestamp or no v1.
 */
export function parseSignatureHeader(
  header: string,
): { timestamp: number; signatures: Buffer[] } | undefined {
  const timestamps: string[] = []
  const signatures: Buffer[] = []
  for (const part of header.split(',')) {
    const at = part.indexOf('=')
    if (at === -1) continue
    const key = part.slice(0, at).trim()
    const value = part.slice(at + 1).trim()
    if (key === 't') timestamps.push(value)
    else if (key === 'v1' && V1.test(value)) signatures.push(Buffer.from(value, 'hex'))
  }
  const [timestamp] = timestamps
  if (timestamps.length !== 1 || !timestamp || !TIMESTAMP.test(timestamp)) return undefined
  return signatures.length ? { timestamp: Number(timestamp), signatures } : undefined
}

/** Verifies over the exact raw bytes, before any JSON parsing, in constant time. */
export function verifySignature(options: VerifyOptions): SignatureCheck {
  const { header, rawBody, secret } = options
  if (!header) return { ok: false, reason: 'missing' }
  const parsed = parseSignatureHeader(header)
  if (!parsed) return { ok: false, reason: 'malformed' }
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000)
  if (Math.abs(now - parsed.timestamp) > (options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) {
    return { ok: false, reason: 'stale' }
  }
  const expected = Buffer.from(hmacHex(secret, parsed.timestamp, rawBody), 'hex')
  // Every candidate is compared (32 bytes each, as timingSafeEqual requires), match or not.
  let matched = false
  for (const given of parsed.signatures) matched = timingSafeEqual(expected, given) || matched
  return matched ? { ok: true } : { ok: false, reason: 'mismatch' }
}
